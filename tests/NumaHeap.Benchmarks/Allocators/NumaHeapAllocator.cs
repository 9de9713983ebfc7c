using System.Runtime.CompilerServices;

namespace Numa.Benchmarks.Allocators;

/// <summary>NumaHeap's public static API.</summary>
public unsafe struct NumaHeapAllocator : IAllocator
{
    public static string Name => "numaheap";

    public static void Initialize() => NumaHeap.Free(NumaHeap.Alloc(16));

    /// <summary>Configures the heap before its first use (the AppContext switches win over the environment), then initializes it.</summary>
    public static void Initialize(string hugePages, int residentLimitPercent)
    {
        AppContext.SetData("NumaHeap.HugePages", hugePages);
        AppContext.SetData("NumaHeap.ResidentLimitPercent", residentLimitPercent.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Initialize();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Alloc(nuint byteCount) => NumaHeap.Alloc(byteCount);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Free(void* ptr) => NumaHeap.Free(ptr);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Realloc(void* ptr, nuint byteCount) => NumaHeap.Realloc(ptr, byteCount);

    public static void Release() => NumaHeap.Trim();
}
