using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Allocators;

/// <summary>
/// The floor of any allocator behind a static, NativeMemory-style API in .NET: <see cref="FloorAllocator"/>'s stack of
/// reused 4 KiB slots, reached on every call through a <c>[ThreadStatic]</c> pointer, as a thread cache is. The
/// difference to <see cref="FloorAllocator"/> is what the thread-local lookup alone costs. Single-threaded
/// micro-benchmarks only.
/// </summary>
public unsafe struct ThreadStaticFloorAllocator : IAllocator
{
    private const int Capacity = 256;

    [ThreadStatic]
    private static SlotStack* t_stack;

    public static string Name => "floor-threadstatic";

    public static void Initialize() => _ = Stack();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Alloc(nuint byteCount)
    {
        SlotStack* stack = t_stack;
        if (stack == null)
        {
            stack = Stack();
        }

        return (void*)stack->Slots[--stack->Count];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Free(void* ptr)
    {
        SlotStack* stack = t_stack;
        if (stack == null)
        {
            stack = Stack();
        }

        stack->Slots[stack->Count++] = (nint)ptr;
    }

    public static void* Realloc(void* ptr, nuint byteCount) => throw new NotSupportedException();

    public static void Release()
    {
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static SlotStack* Stack()
    {
        if (t_stack == null)
        {
            var stack = (SlotStack*)NativeMemory.AlignedAlloc((nuint)sizeof(SlotStack), 64);
            stack->Slots = (nint*)NativeMemory.AlignedAlloc(Capacity * (nuint)sizeof(nint), 64);
            stack->Count = 0;
            for (int i = 0; i < Capacity; i++)
            {
                stack->Slots[stack->Count++] = (nint)NativeMemory.AlignedAlloc(4096, 64);
            }

            t_stack = stack;
        }

        return t_stack;
    }

    private struct SlotStack
    {
        public nint* Slots;
        public int Count;
    }
}
