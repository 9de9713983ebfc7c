using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Numa.SizeClasses;
using Xunit;

namespace Numa.Tests.Properties;

/// <summary>
/// The block-start test on geometries beyond the size-class table's (whose every offset another test checks):
/// any block size up to the small-object limit, any block count, a tail shorter than a block.
/// </summary>
public sealed class BlockStartTestProperties
{
    private const int MaxBlockSize = 256 * 1024;
    private const long MaxSpanBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Property: for a span of <c>capacity</c> blocks of <c>size</c> bytes followed by a tail shorter than a
    /// block (none when the size is a power of two, as the size classes guarantee), the test accepts an offset
    /// exactly when it is a multiple of the size whose block lies before the tail; class 0's test accepts none.
    /// </summary>
    [Fact]
    public void AcceptsExactlyTheBlockStartsBeforeTheTail()
    {
        Gen<(int Size, int Capacity, int Tail, long Offset)> cases =
            from size in Gen.Frequency((3, Gen.Choose(1, MaxBlockSize)), (1, Gen.Elements(16, 48, 112, 4096, 8192, 20480, MaxBlockSize)))
            from capacity in Gen.Choose(1, (int)(MaxSpanBytes / size))
            from tail in BitOperations.IsPow2(size) ? Gen.Constant(0) : Gen.Choose(0, size - 1)
            from block in Gen.Choose(0, capacity)
            from within in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Elements(1, size - 1)), (1, Gen.Choose(0, size - 1)))
            let offset = ((long)block * size) + within
            where offset < ((long)capacity * size) + tail
            select (size, capacity, tail, offset);

        Property property = Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var test = BlockStartTest.For((uint)c.Size, (uint)c.Capacity);
            bool expected = c.Offset % c.Size == 0 && c.Offset / c.Size < c.Capacity;
            Assert.True(test.Holds((nuint)c.Offset) == expected, $"size {c.Size}, {c.Capacity} blocks, tail {c.Tail}: offset {c.Offset} gave {!expected}");
            Assert.False(default(BlockStartTest).Holds((nuint)c.Offset), $"class 0's test accepted offset {c.Offset}");
        });
        Check.One("block-start test", PropertyRuns.Create(2000, 100), property);
    }
}
