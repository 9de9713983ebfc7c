using System;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;

namespace Numa;

/// <summary>
/// A NUMA-aware native memory allocator with the contracts of <see cref="NativeMemory"/>: replace
/// <c>NativeMemory.</c> with <c>NumaHeap.</c>. Blocks come from the node of the allocating thread,
/// small blocks from a per-thread cache without locks, and frees from other nodes go back to the
/// node the block came from.
/// </summary>
/// <remarks>
/// Beyond <see cref="NativeMemory"/>: a pointer this heap did not return, or an interior pointer,
/// throws <see cref="ArgumentException"/> instead of corrupting the process; a double free throws
/// <see cref="InvalidOperationException"/> (always for big blocks, for small blocks when
/// <c>NUMAHEAP_CHECKS=1</c>). <see cref="Free"/> and <see cref="AlignedFree"/> accept blocks of either family.
/// </remarks>
public static unsafe class NumaHeap
{
    /// <summary>What <see cref="GetNode"/> returns for a block of <see cref="NumaPlacement.Interleaved"/>.</summary>
    public const int InterleavedNode = -1;

    /// <summary>Allocates a block of at least <paramref name="byteCount"/> bytes, 16-byte aligned.</summary>
    /// <exception cref="OutOfMemoryException">The memory cannot be had.</exception>
    public static void* Alloc(nuint byteCount) => Heap.DefaultAlloc(byteCount);

    /// <summary>Allocates a block of <paramref name="elementCount"/> * <paramref name="elementSize"/> bytes, 16-byte aligned.</summary>
    /// <exception cref="OutOfMemoryException">The product overflows or the memory cannot be had.</exception>
    public static void* Alloc(nuint elementCount, nuint elementSize) => Heap.Default.Alloc(Heap.GetByteCount(elementCount, elementSize));

    /// <summary>Allocates a zeroed block of at least <paramref name="byteCount"/> bytes, 16-byte aligned.</summary>
    /// <exception cref="OutOfMemoryException">The memory cannot be had.</exception>
    public static void* AllocZeroed(nuint byteCount) => Heap.Default.AllocZeroed(byteCount);

    /// <summary>Allocates a zeroed block of <paramref name="elementCount"/> * <paramref name="elementSize"/> bytes.</summary>
    /// <exception cref="OutOfMemoryException">The product overflows or the memory cannot be had.</exception>
    public static void* AllocZeroed(nuint elementCount, nuint elementSize) => Heap.Default.AllocZeroed(Heap.GetByteCount(elementCount, elementSize));

    /// <summary>Resizes a block, keeping its first min(old, new) bytes; <paramref name="ptr"/> null allocates.</summary>
    /// <exception cref="OutOfMemoryException">The memory cannot be had; the old block is still valid.</exception>
    /// <exception cref="ArgumentException"><paramref name="ptr"/> is not a block of this heap.</exception>
    public static void* Realloc(void* ptr, nuint byteCount) => Heap.Default.Realloc(ptr, byteCount);

    /// <summary>Frees a block; null does nothing.</summary>
    /// <exception cref="ArgumentException"><paramref name="ptr"/> is not a block of this heap, or points inside one.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="ptr"/> was already freed.</exception>
    public static void Free(void* ptr) => Heap.DefaultFree(ptr);

    /// <summary>Allocates a block of at least <paramref name="byteCount"/> bytes aligned to <paramref name="alignment"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    /// <exception cref="OutOfMemoryException">The memory cannot be had.</exception>
    public static void* AlignedAlloc(nuint byteCount, nuint alignment) => Heap.Default.AlignedAlloc(byteCount, alignment);

    /// <summary>Resizes an aligned block, keeping its first min(old, new) bytes; <paramref name="ptr"/> null allocates.</summary>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two, or <paramref name="ptr"/> is not a block of this heap.</exception>
    /// <exception cref="OutOfMemoryException">The memory cannot be had; the old block is still valid.</exception>
    public static void* AlignedRealloc(void* ptr, nuint byteCount, nuint alignment) => Heap.Default.AlignedRealloc(ptr, byteCount, alignment);

    /// <summary>Frees a block; null does nothing. Same as <see cref="Free"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="ptr"/> is not a block of this heap, or points inside one.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="ptr"/> was already freed.</exception>
    public static void AlignedFree(void* ptr) => Heap.Default.Free(ptr);

    /// <summary>Sets <paramref name="byteCount"/> bytes at <paramref name="ptr"/> to zero.</summary>
    public static void Clear(void* ptr, nuint byteCount) => NativeMemory.Clear(ptr, byteCount);

    /// <summary>Copies <paramref name="byteCount"/> bytes from <paramref name="source"/> to <paramref name="destination"/>; the ranges may overlap.</summary>
    public static void Copy(void* source, void* destination, nuint byteCount) => NativeMemory.Copy(source, destination, byteCount);

    /// <summary>Sets <paramref name="byteCount"/> bytes at <paramref name="ptr"/> to <paramref name="value"/>.</summary>
    public static void Fill(void* ptr, nuint byteCount, byte value) => NativeMemory.Fill(ptr, byteCount, value);

    /// <summary>
    /// The calling thread's allocator for hot loops: <see cref="Alloc(nuint)"/> and <see cref="Free"/>
    /// without the per-call thread-local lookup. It cannot leave the thread (a ref struct).
    /// </summary>
    public static NumaThreadAllocator GetThreadAllocator() => Heap.Default.GetThreadAllocator();

    /// <summary>Allocates a block with an explicit placement: the calling thread's node, interleaved over every node, or one node.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="placement"/> names a node that does not exist.</exception>
    /// <exception cref="OutOfMemoryException">The memory cannot be had.</exception>
    public static void* Allocate(nuint byteCount, NumaPlacement placement) => Heap.Default.Allocate(byteCount, placement);

    /// <summary>The node a block of this heap was placed on, or <see cref="InterleavedNode"/> for an interleaved block.</summary>
    /// <exception cref="ArgumentException"><paramref name="ptr"/> is null or not a block of this heap.</exception>
    public static int GetNode(void* ptr) => Heap.Default.GetNode(ptr);

    /// <summary>How many bytes of a block can be used: at least what was asked for.</summary>
    /// <exception cref="ArgumentException"><paramref name="ptr"/> is null or not a block of this heap.</exception>
    public static nuint GetUsableSize(void* ptr) => Heap.Default.GetUsableSize(ptr);

    /// <summary>The NUMA topology the heap uses (simulated when <c>NUMAHEAP_SIMULATED_NODES</c> is set).</summary>
    public static NumaTopology Topology => Heap.Default.Topology;

    /// <summary>The node the calling thread allocates from.</summary>
    public static int CurrentNode => Heap.Default.CurrentNode;

    /// <summary>Runs the calling thread on the CPUs of <paramref name="node"/> and allocates its blocks there.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="node"/> does not exist.</exception>
    /// <exception cref="InvalidOperationException">The OS refused to set the thread's affinity.</exception>
    public static void BindCurrentThread(int node) => Heap.Default.BindCurrentThread(node);

    /// <summary>
    /// Moves the resident pages of memory that the caller owns and the heap did not allocate (a
    /// pinned array, a mapped buffer) to <paramref name="node"/>: the whole pages inside the range,
    /// those already faulted in. Pages faulted in later are placed by the OS as usual.
    /// </summary>
    /// <returns>How many pages of the range are on the node afterwards; 0 where the OS cannot move pages or the topology is simulated.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="node"/> does not exist.</exception>
    /// <exception cref="ArgumentException">The range is null, wraps around, or overlaps the heap's own memory.</exception>
    public static long MovePagesToNode(void* address, nuint byteCount, int node) => Heap.Default.MovePagesToNode(address, byteCount, node);

    /// <summary>
    /// Creates a meter named <c>NumaHeap</c> from <paramref name="meterFactory"/> (a host's, so that
    /// its listeners and tests scope it) with the instruments of the process-wide heap. The static
    /// meter that the heap publishes for code without a factory stays; the factory owns and
    /// disposes this one.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="meterFactory"/> is null.</exception>
    public static Meter CreateMeter(IMeterFactory meterFactory) => NumaHeapMetrics.CreateFromFactory(Heap.Default, meterFactory);

    /// <summary>A snapshot of the heap's counters, per node and in total.</summary>
    public static NumaHeapStatistics GetStatistics() => Heap.Default.GetStatistics();

    /// <summary>Returns every free page to the OS now, and every block cached by the calling thread to its node heap.</summary>
    public static void Trim() => Heap.Default.Trim();
}
