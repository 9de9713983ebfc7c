using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Allocators;

/// <summary>
/// The floor: hands out reused 4 KiB slots from a stack, with no size classes, no metadata and no thread safety. No
/// allocator can beat it; single-threaded micro-benchmarks only.
/// </summary>
public unsafe struct FloorAllocator : IAllocator
{
    private const int Capacity = 256;
    private static readonly nint* Slots = (nint*)NativeMemory.AlignedAlloc(Capacity * (nuint)sizeof(nint), 64);
    private static int s_count;

    public static string Name => "floor";

    public static void Initialize()
    {
        if (s_count == 0)
        {
            for (int i = 0; i < Capacity; i++)
            {
                Slots[s_count++] = (nint)NativeMemory.AlignedAlloc(4096, 64);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Alloc(nuint byteCount) => (void*)Slots[--s_count];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Free(void* ptr) => Slots[s_count++] = (nint)ptr;

    public static void* Realloc(void* ptr, nuint byteCount) => throw new NotSupportedException();

    public static void Release()
    {
    }
}
