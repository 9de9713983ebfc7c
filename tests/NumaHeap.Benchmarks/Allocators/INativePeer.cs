namespace Numa.Benchmarks.Allocators;

/// <summary>A native allocator library: where to find it and how to ask it to give memory back.</summary>
public interface INativePeer
{
    /// <summary>The name used on the command line and in the results.</summary>
    static abstract string Name { get; }

    /// <summary>Loads the library and its malloc, free and realloc exports.</summary>
    static abstract NativeAllocatorLibrary Load();

    /// <summary>Returns free memory to the OS, if the library has a way to ask for it.</summary>
    static abstract void Release(NativeAllocatorLibrary library);
}
