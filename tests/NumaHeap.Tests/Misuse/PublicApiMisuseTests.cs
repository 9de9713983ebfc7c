using System;
using System.Runtime.InteropServices;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>
/// The static API has a fast path of its own (the process-wide heap's geometry as constants, its
/// thread caches in a thread-local slot of their own): it rejects what a heap instance rejects,
/// naming the pointer, leaves the blocks around intact, and never takes another heap's cache for its own.
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

    [Fact]
    public void NumaHeapAndAHeapInstanceUsedInTurnOnOneThread_NeverHandOutEachOthersBlocks()
    {
        using Heap heap = TestHeaps.Create();
        for (int round = 0; round < 100; round++)
        {
            // Each free leaves a block on its heap's thread-cache list of the 64-byte class; the
            // next allocation of each pops from its own heap's list, never from the other's.
            void* instanceBlock = heap.Alloc(64);
            void* staticBlock = NumaHeap.Alloc(64);
            heap.Free(instanceBlock);
            NumaHeap.Free(staticBlock);
            var fromStatic = (byte*)NumaHeap.Alloc(64);
            var fromInstance = (byte*)heap.Alloc(64);
            MisuseAssert.Throws<ArgumentException>(() => heap.Free(fromStatic), fromStatic, "foreign pointer");
            MisuseAssert.Throws<ArgumentException>(() => NumaHeap.Free(fromInstance), fromInstance, "foreign pointer");
            NumaHeap.Free(fromStatic);
            heap.Free(fromInstance);
        }

        heap.Trim();
        heap.Validate();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }
}
