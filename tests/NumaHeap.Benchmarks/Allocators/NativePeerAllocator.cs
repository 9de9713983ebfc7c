using System.Runtime.CompilerServices;

namespace Numa.Benchmarks.Allocators;

/// <summary>
/// A native allocator called through unmanaged function pointers with SuppressGCTransition, the
/// cheapest call .NET has. Static fields are per closed generic type, so each peer gets its own.
/// </summary>
public unsafe struct NativePeerAllocator<TPeer> : IAllocator
    where TPeer : INativePeer
{
    private static readonly NativeAllocatorLibrary Library = TPeer.Load();
    private static readonly delegate* unmanaged[SuppressGCTransition]<nuint, void*> MallocFunction = Library.Malloc;
    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, void> FreeFunction = Library.FreeFunction;
    private static readonly delegate* unmanaged[SuppressGCTransition]<void*, nuint, void*> ReallocFunction = Library.Realloc;

    public static string Name => TPeer.Name;

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

    public static void Release() => TPeer.Release(Library);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfMemory() => throw new OutOfMemoryException($"{TPeer.Name} returned null.");
}
