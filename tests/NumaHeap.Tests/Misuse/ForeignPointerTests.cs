using System;
using System.Runtime.InteropServices;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>
/// Pointers the heap never returned are rejected by every entry point with ArgumentException naming the
/// pointer, in the default mode, and nothing else in the heap changes. (NativeMemory over glibc aborts
/// the process or corrupts its heap on these; NumaHeap's exception is a deliberate improvement.)
/// </summary>
public sealed unsafe class ForeignPointerTests
{
    [Fact]
    public void PointerFromNativeMemory_IsRejected()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        var bystanders = new Bystanders(heap);
        void* foreign = NativeMemory.Alloc(64);
        try
        {
            AssertRejectedEverywhere(heap, foreign);
        }
        finally
        {
            NativeMemory.Free(foreign);
        }

        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
        Assert.Equal(0, heap.GetStatistics().LiveBytes);
    }

    [Fact]
    public void PointerToTheStack_IsRejected()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        var bystanders = new Bystanders(heap);
        byte* onStack = stackalloc byte[64];
        AssertRejectedEverywhere(heap, onStack);
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    [Fact]
    public void PointerIntoAPinnedManagedArray_IsRejected()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        var bystanders = new Bystanders(heap);
        byte[] array = GC.AllocateArray<byte>(256, pinned: true);
        array.AsSpan().Fill(0x42);
        fixed (byte* managed = array)
        {
            AssertRejectedEverywhere(heap, managed);
            AssertRejectedEverywhere(heap, managed + 16);
        }

        Assert.False(array.AsSpan().ContainsAnyExcept((byte)0x42));
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    [Fact]
    public void BlockOfAnotherNumaHeapInstance_IsRejected()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        using Heap other = TestHeaps.Create();
        var bystanders = new Bystanders(heap);
        void* small = other.Alloc(64);
        void* big = other.Alloc(1024 * 1024);
        AssertRejectedEverywhere(heap, small);
        AssertRejectedEverywhere(heap, big);
        other.Free(small);
        other.Free(big);
        other.Validate();
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    [Fact]
    public void AddressInsideTheReservationThatWasNeverHandedOut_IsRejected()
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: 2);
        var bystanders = new Bystanders(heap);

        // Far beyond the region's frontier: reserved address space whose page-map entries are unused.
        var frontier = (byte*)heap.Alloc(1024 * 1024);
        byte* unused = frontier + (512 * 1024 * 1024);
        AssertRejectedEverywhere(heap, unused);
        heap.Free(frontier);
        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    /// <summary>
    /// Free's fast path tests a pointer's shard with a shift of the address alone (the reservation is
    /// aligned to its region size): addresses just below and just past the reservation name no shard
    /// of it and are rejected, by the fast path and by every other entry point.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AddressesJustOutsideTheReservation_AreRejected(int nodes)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes);
        var bystanders = new Bystanders(heap);
        nuint start = heap.ReservationStart;
        nuint end = start + heap.ReservationSize;
        foreach (nuint address in new[] { start - 16, start - PageMapLayout.PageSize, end, end + 16 })
        {
            AssertRejectedEverywhere(heap, (void*)address);
        }

        bystanders.AssertIntactAndHeapUsable();
        bystanders.FreeAll();
    }

    private static void AssertRejectedEverywhere(Heap heap, void* ptr)
    {
        MisuseAssert.Throws<ArgumentException>(() => heap.Free(ptr), ptr, "not allocated by NumaHeap");
        MisuseAssert.Throws<ArgumentException>(() => heap.Realloc(ptr, 100), ptr, "foreign pointer");
        MisuseAssert.Throws<ArgumentException>(() => heap.AlignedRealloc(ptr, 100, 64), ptr, "foreign pointer");
        MisuseAssert.Throws<ArgumentException>(() => heap.GetNode(ptr), ptr, "foreign pointer");
        MisuseAssert.Throws<ArgumentException>(() => heap.GetUsableSize(ptr), ptr, "foreign pointer");
    }
}
