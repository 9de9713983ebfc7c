using System;

namespace Numa.Tests.Contract;

/// <summary>
/// The NativeMemory surface, so that one contract test runs the same calls against
/// <see cref="System.Runtime.InteropServices.NativeMemory"/>, the public <see cref="NumaHeap"/> and private heaps.
/// </summary>
public abstract unsafe class ContractAllocator : IDisposable
{
    /// <summary>The name shown in test output.</summary>
    public abstract string Name { get; }

    /// <summary>True for NumaHeap (public or private), which adds GetUsableSize and misuse detection.</summary>
    public abstract bool IsNumaHeap { get; }

    public abstract void* Alloc(nuint byteCount);

    public abstract void* Alloc(nuint elementCount, nuint elementSize);

    public abstract void* AllocZeroed(nuint byteCount);

    public abstract void* AllocZeroed(nuint elementCount, nuint elementSize);

    public abstract void* Realloc(void* ptr, nuint byteCount);

    public abstract void Free(void* ptr);

    public abstract void* AlignedAlloc(nuint byteCount, nuint alignment);

    public abstract void* AlignedRealloc(void* ptr, nuint byteCount, nuint alignment);

    public abstract void AlignedFree(void* ptr);

    /// <summary>NumaHeap's usable size; NativeMemory has none, so it reports the requested size back.</summary>
    public abstract nuint GetUsableSize(void* ptr, nuint requested);

    /// <summary>Checks the heap's invariants where the allocator has a checker (private heaps).</summary>
    public virtual void Validate()
    {
    }

    public override string ToString() => Name;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
