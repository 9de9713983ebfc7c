using System;
using System.Runtime.InteropServices;

namespace Numa.NumaVm;

/// <summary>An allocator the locality workload runs on: NumaHeap, NativeMemory (glibc), or a native peer loaded from its Debian library.</summary>
internal sealed unsafe class BufferAllocator
{
    private readonly delegate* unmanaged<nuint, void*> _malloc;
    private readonly delegate* unmanaged<void*, void> _free;
    private readonly bool _numaHeap;

    private BufferAllocator(string name, bool numaHeap, delegate* unmanaged<nuint, void*> malloc, delegate* unmanaged<void*, void> free)
    {
        Name = name;
        _numaHeap = numaHeap;
        _malloc = malloc;
        _free = free;
    }

    public string Name { get; }

    /// <summary>numaheap, nativememory, mimalloc, jemalloc or tcmalloc.</summary>
    public static BufferAllocator Create(string name) => name switch
    {
        "numaheap" => new(name, numaHeap: true, null, null),
        "nativememory" => new(name, numaHeap: false, null, null),
        "mimalloc" => Load(name, "libmimalloc.so.2", "mi_malloc", "mi_free"),
        "jemalloc" => Load(name, "libjemalloc.so.2", "malloc", "free"),
        "tcmalloc" => Load(name, "libtcmalloc_minimal.so.4", "tc_malloc", "tc_free"),
        _ => throw new ArgumentException($"Unknown allocator '{name}'.", nameof(name)),
    };

    public void* Alloc(nuint size) =>
        _numaHeap ? NumaHeap.Alloc(size) : _malloc != null ? _malloc(size) : NativeMemory.Alloc(size);

    public void Free(void* block)
    {
        if (_numaHeap)
        {
            NumaHeap.Free(block);
        }
        else if (_free != null)
        {
            _free(block);
        }
        else
        {
            NativeMemory.Free(block);
        }
    }

    private static BufferAllocator Load(string name, string library, string malloc, string free)
    {
        nint handle = NativeLibrary.Load(library);
        return new(name, numaHeap: false, (delegate* unmanaged<nuint, void*>)NativeLibrary.GetExport(handle, malloc), (delegate* unmanaged<void*, void>)NativeLibrary.GetExport(handle, free));
    }
}
