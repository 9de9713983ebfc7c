using System.Runtime.CompilerServices;

namespace Numa.Benchmarks.Allocators;

/// <summary>Native tcmalloc loaded from libtcmalloc_minimal.so.4, called through unmanaged function pointers with SuppressGCTransition.</summary>
public unsafe struct TcmallocAllocator : IAllocator
{
    private static readonly NativeAllocatorLibrary Library = NativeAllocatorLibrary.Load(
        "libtcmalloc_minimal.so.4", ["tc_malloc", "malloc"], ["tc_free", "free"], ["tc_realloc", "realloc"], "MallocExtension_ReleaseFreeMemory");

    private static readonly delegate* unmanaged[SuppressGCTransition]<nuint, void*> MallocFunction = Library.Malloc;
    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, void> FreeFunction = Library.FreeFunction;
    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, nuint, void*> ReallocFunction = Library.Realloc;

    public static string Name => "tcmalloc";

    public static void Initialize() => Free(Alloc(16));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Alloc(nuint byteCount)
    {
        void* ptr = MallocFunction(byteCount);
        if (ptr == null)
        {
            ThrowOutOfMemory();
        }

        return ptr;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Free(void* ptr) => FreeFunction(ptr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Realloc(void* ptr, nuint byteCount)
    {
        void* result = ReallocFunction(ptr, byteCount);
        if (result == null && byteCount != 0)
        {
            ThrowOutOfMemory();
        }

        return result;
    }

    public static void Release()
    {
        if (Library.ReleaseFunction != 0)
        {
            ((delegate* unmanaged<void>)Library.ReleaseFunction)();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfMemory() => throw new OutOfMemoryException("tcmalloc returned null.");
}
