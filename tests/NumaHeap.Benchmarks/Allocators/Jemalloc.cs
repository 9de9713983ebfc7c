namespace Numa.Benchmarks.Allocators;

/// <summary>Native jemalloc from libjemalloc.so.2 (Debian libjemalloc2), which exports only the unprefixed names.</summary>
public struct Jemalloc : INativePeer
{
    public static string Name => "jemalloc";

    public static NativeAllocatorLibrary Load() => NativeAllocatorLibrary.Load(
        "libjemalloc.so.2", ["je_malloc", "malloc"], ["je_free", "free"], ["je_realloc", "realloc"], null);

    public static void Release(NativeAllocatorLibrary library) => JemallocPurge.Purge(library.Handle);
}
