using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Numa.SizeClasses;

namespace Numa.ThreadCaches;

/// <summary>
/// Holds a thread's caches (one per heap the thread used) and gives them back when the thread exits.
/// </summary>
/// <remarks>
/// The runtime has no thread-exit hook. A <c>[ThreadStatic]</c> reference keeps the owner alive while
/// the thread runs; once the thread is gone the owner becomes unreachable and its finalizer returns
/// every cached block and pending remote free to the node heaps, then frees the caches.
/// </remarks>
internal sealed unsafe class ThreadCacheOwner
{
    [ThreadStatic]
    private static ThreadCacheOwner? t_owner;

    private nint[] _caches = new nint[1];
    private int _count;

    /// <summary>The calling thread's owner, created on first use.</summary>
    public static ThreadCacheOwner Current => t_owner ??= new ThreadCacheOwner();

    /// <summary>The calling thread's cache for heap <paramref name="heapId"/>, or null.</summary>
    public ThreadCache* Find(int heapId)
    {
        for (int i = 0; i < _count; i++)
        {
            var cache = (ThreadCache*)_caches[i];
            if (cache->HeapId == heapId)
            {
                return cache;
            }
        }

        return null;
    }

    /// <summary>Allocates a zeroed cache for heap <paramref name="heapId"/> and takes ownership of it.</summary>
    public ThreadCache* Add(int heapId)
    {
        // Line-aligned, so that each free list (64 bytes, after a 64-byte header) is one cache line.
        var cache = (ThreadCache*)NativeMemory.AlignedAlloc((nuint)sizeof(ThreadCache), 64);
        NativeMemory.Clear(cache, (nuint)sizeof(ThreadCache));
        Debug.Assert((byte*)Unsafe.AsPointer(ref cache->List(0)) - (byte*)cache == 64, "the lists start one cache line in");
        cache->HeapId = heapId;
        cache->BoundNode = -1;
        for (int sizeClass = 1; sizeClass < SizeClassTable.ClassCount; sizeClass++)
        {
            cache->List(sizeClass).BlockStart = SizeClassTable.Get(sizeClass).BlockStart;
        }

        if (_count == _caches.Length)
        {
            Array.Resize(ref _caches, _count * 2);
        }

        _caches[_count++] = (nint)cache;
        return cache;
    }

    /// <summary>Returns the dead thread's blocks to their heaps.</summary>
    ~ThreadCacheOwner()
    {
        for (int i = 0; i < _count; i++)
        {
            var cache = (ThreadCache*)_caches[i];
            Heap.FromId(cache->HeapId)?.ReleaseThreadCache(cache);
            NativeMemory.AlignedFree(cache);
        }

        _count = 0;
    }
}
