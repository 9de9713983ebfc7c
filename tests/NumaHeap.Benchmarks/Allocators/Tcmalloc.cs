namespace Numa.Benchmarks.Allocators;

/// <summary>Native tcmalloc from libtcmalloc_minimal.so.4 (Debian libtcmalloc-minimal4).</summary>
public unsafe struct Tcmalloc : INativePeer
{
    public static string Name => "tcmalloc";

    public static NativeAllocatorLibrary Load() => NativeAllocatorLibrary.Load(
        "libtcmalloc_minimal.so.4", ["tc_malloc", "malloc"], ["tc_free", "free"], ["tc_realloc", "realloc"], "MallocExtension_ReleaseFreeMemory");

    /// <summary><c>MallocExtension_ReleaseFreeMemory()</c>.</summary>
    public static void Release(NativeAllocatorLibrary library)
    {
        if (library.ReleaseFunction != 0)
        {
            ((delegate* unmanaged<void>)library.ReleaseFunction)();
        }
    }
}
