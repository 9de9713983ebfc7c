namespace Numa.Benchmarks.Allocators;

/// <summary>Native mimalloc from libmimalloc.so.2 (Debian libmimalloc2.0).</summary>
public unsafe struct Mimalloc : INativePeer
{
    public static string Name => "mimalloc";

    public static NativeAllocatorLibrary Load() => NativeAllocatorLibrary.Load(
        "libmimalloc.so.2", ["mi_malloc", "malloc"], ["mi_free", "free"], ["mi_realloc", "realloc"], "mi_collect");

    /// <summary><c>mi_collect(force: true)</c>.</summary>
    public static void Release(NativeAllocatorLibrary library)
    {
        if (library.ReleaseFunction != 0)
        {
            ((delegate* unmanaged<byte, void>)library.ReleaseFunction)(1);
        }
    }
}
