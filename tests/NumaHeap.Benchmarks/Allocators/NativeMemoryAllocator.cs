using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Allocators;

/// <summary><see cref="NativeMemory"/>: a P/Invoke to the C runtime's malloc (glibc on Linux) per call.</summary>
public unsafe struct NativeMemoryAllocator : IAllocator
{
    public static string Name => "nativememory";

    public static void Initialize() => NativeMemory.Free(NativeMemory.Alloc(16));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Alloc(nuint byteCount) => NativeMemory.Alloc(byteCount);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Free(void* ptr) => NativeMemory.Free(ptr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Realloc(void* ptr, nuint byteCount) => NativeMemory.Realloc(ptr, byteCount);

    public static void Release() => GlibcTrim.Trim();
}
