using System;
using Numa.ThreadCaches;

namespace Numa;

/// <summary>
/// The calling thread's way into <see cref="NumaHeap"/> for hot loops: the same blocks, contracts
/// and checks as <see cref="NumaHeap.Alloc(nuint)"/> and <see cref="NumaHeap.Free"/>, without
/// looking up the thread's cache in thread-local storage on every call, which is about a third of
/// the cost of a small alloc/free pair. Blocks from either path may be freed by the other, or by
/// any thread.
/// </summary>
/// <remarks>
/// A ref struct: it cannot be stored in a field of a class, boxed, captured by a lambda or kept
/// across an <c>await</c>, so it is only ever used on the thread that took it, where its cache is.
/// </remarks>
public readonly unsafe ref struct NumaThreadAllocator
{
    private readonly Heap? _heap;
    private readonly ThreadCache* _cache;

    // The process-wide heap's fast paths read its geometry as constants, like NumaHeap.Alloc/Free's,
    // where a heap instance's read its fields on every call: in a loop, the thread allocator was
    // slower than the static API once the JIT hoisted the latter's thread-local lookup.
    private readonly bool _processWide;

    internal NumaThreadAllocator(Heap heap, ThreadCache* cache, bool processWide)
    {
        _heap = heap;
        _cache = cache;
        _processWide = processWide;
    }

    /// <summary>Allocates a block of at least <paramref name="byteCount"/> bytes, 16-byte aligned, as <see cref="NumaHeap.Alloc(nuint)"/>.</summary>
    /// <exception cref="OutOfMemoryException">The memory cannot be had.</exception>
    /// <exception cref="InvalidOperationException">This is a default value, not one from <see cref="NumaHeap.GetThreadAllocator"/>.</exception>
    public void* Alloc(nuint byteCount) => _processWide ? Heap.DefaultAllocWith(_cache, byteCount) : Owner.AllocWith(_cache, byteCount);

    /// <summary>Frees a block of this heap; null does nothing. As <see cref="NumaHeap.Free"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="ptr"/> is not a block of this heap, or points inside one.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="ptr"/> was already freed, or this is a default value.</exception>
    public void Free(void* ptr)
    {
        if (_processWide)
        {
            Heap.DefaultFreeWith(_cache, ptr);
        }
        else
        {
            Owner.FreeWith(_cache, ptr);
        }
    }

    private Heap Owner
    {
        get
        {
            if (_heap is null)
            {
                ThrowHelper.ThrowDefaultThreadAllocator();
            }

            return _heap;
        }
    }
}
