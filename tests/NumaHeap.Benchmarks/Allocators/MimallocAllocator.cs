using System.Runtime.CompilerServices;

namespace Numa.Benchmarks.Allocators;

/// <summary>Native mimalloc loaded from libmimalloc.so.2, called through unmanaged function pointers with SuppressGCTransition.</summary>
public unsafe struct MimallocAllocator : IAllocator
{
    private static readonly NativeAllocatorLibrary Library = NativeAllocatorLibrary.Load(
        "libmimalloc.so.2", ["mi_malloc", "malloc"], ["mi_free", "free"], ["mi_realloc", "realloc"], "mi_collect");

    private static readonly delegate* unmanaged[SuppressGCTransition]<nuint, void*> MallocFunction = Library.Malloc;
    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, void> FreeFunction = Library.FreeFunction;
    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, nuint, void*> ReallocFunction = Library.Realloc;

    public static string Name => "mimalloc";

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
            ((delegate* unmanaged<byte, void>)Library.ReleaseFunction)(1);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfMemory() => throw new OutOfMemoryException("mimalloc returned null.");
}
