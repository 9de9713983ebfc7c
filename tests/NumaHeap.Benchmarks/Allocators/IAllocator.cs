namespace Numa.Benchmarks.Allocators;

/// <summary>
/// An allocator under test. Workloads are generic over a struct implementing this interface, so the JIT
/// specializes them per allocator and the calls are direct (no interface dispatch in the measured loops).
/// </summary>
public unsafe interface IAllocator
{
    /// <summary>The name used on the command line and in the results.</summary>
    static abstract string Name { get; }

    /// <summary>Loads the allocator (native library, first heap use) so that the measured code finds it ready.</summary>
    static abstract void Initialize();

    static abstract void* Alloc(nuint byteCount);

    static abstract void Free(void* ptr);

    static abstract void* Realloc(void* ptr, nuint byteCount);

    /// <summary>Returns free memory to the OS where the allocator has a way to ask for it.</summary>
    static abstract void Release();
}
