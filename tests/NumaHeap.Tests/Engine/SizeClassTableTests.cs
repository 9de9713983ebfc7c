using Numa.SizeClasses;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>The size-class table: the lookup, the waste bound and the block-start test that Free relies on.</summary>
public sealed class SizeClassTableTests
{
    [Fact]
    public void EverySmallSize_GetsTheSmallestClassThatHoldsIt_WastingAtMost15BytesUpTo128_AndOneEighthAbove()
    {
        for (nuint size = 1; size <= SizeClassTable.MaxSmallSize; size++)
        {
            int sizeClass = SizeClassTable.ClassOf(size);
            uint blockSize = SizeClassTable.SizeOf(sizeClass);
            Assert.True(blockSize >= size, $"{size} bytes got class {sizeClass} of {blockSize} bytes");
            Assert.True(sizeClass == 1 || SizeClassTable.SizeOf(sizeClass - 1) < size, $"{size} bytes fit class {sizeClass - 1} but got {sizeClass}");
            // Up to 128 bytes the 16-byte alignment sets the step, so the bound is 15 bytes (18.75% at 65 bytes).
            nuint allowed = size <= 128 ? 15 : blockSize / 8;
            Assert.True(blockSize - size <= allowed, $"{size} bytes waste {blockSize - size} of a {blockSize}-byte block");
        }
    }

    [Fact]
    public void BlockStart_IsTrueExactlyAtBlockStarts_ForEveryOffsetOfEverySpan()
    {
        // Exhaustive: every class, every byte offset of its span (the multiplication trick must agree with %).
        for (int sizeClass = 1; sizeClass < SizeClassTable.ClassCount; sizeClass++)
        {
            SizeClassInfo info = SizeClassTable.Get(sizeClass);
            nuint spanBytes = (nuint)info.SpanPages * PageMapLayout.PageSize;
            for (nuint offset = 0; offset < spanBytes; offset++)
            {
                bool expected = offset % info.Size == 0 && offset / info.Size < info.SpanCapacity;
                if (info.BlockStart.Holds(offset) != expected)
                {
                    Assert.Fail($"class {sizeClass} ({info.Size} bytes): offset {offset} says {!expected}, should say {expected}");
                }
            }
        }
    }

    [Fact]
    public void BlockStart_OfClass0_IsNeverTrue()
    {
        // Free's fast path tests the page's class without asking first whether the page holds small
        // blocks at all: class 0 (free runs, big blocks) must turn every offset away.
        SizeClassInfo none = SizeClassTable.Get(0);
        for (nuint offset = 0; offset < 4 * PageMapLayout.PageSize; offset++)
        {
            Assert.False(none.BlockStart.Holds(offset), $"offset {offset} passed as a block start of class 0");
        }
    }
}
