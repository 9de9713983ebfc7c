using System;
using System.Runtime.InteropServices;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>
/// The static API has a fast path of its own (the process-wide heap's geometry as constants): it
/// rejects what a heap instance rejects, naming the pointer, and leaves the blocks around intact.
/// </summary>
public sealed unsafe class PublicApiMisuseTests
{
    [Fact]
    public void NumaHeapFree_RejectsAForeignPointerAndAPointerInsideABlock()
    {
        void* foreign = NativeMemory.Alloc(64);
        var block = (byte*)NumaHeap.Alloc(64);
        var neighbour = (byte*)NumaHeap.Alloc(64);
        new Span<byte>(block, 64).Fill(0x5A);
        new Span<byte>(neighbour, 64).Fill(0xA5);
        try
        {
            MisuseAssert.Throws<ArgumentException>(() => NumaHeap.Free(foreign), foreign, "foreign pointer");
            foreach (int offset in new[] { 1, 16, 63 })
            {
                byte* inside = block + offset;
                MisuseAssert.Throws<ArgumentException>(() => NumaHeap.Free(inside), inside, "interior pointer");
            }

            Assert.False(new ReadOnlySpan<byte>(block, 64).ContainsAnyExcept((byte)0x5A));
            Assert.False(new ReadOnlySpan<byte>(neighbour, 64).ContainsAnyExcept((byte)0xA5));
        }
        finally
        {
            NativeMemory.Free(foreign);
            NumaHeap.Free(block);
            NumaHeap.Free(neighbour);
        }
    }
}
