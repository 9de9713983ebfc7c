using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Workloads;

/// <summary>A bounded single-producer single-consumer queue of pointers (the heads of block chains).</summary>
public sealed class SpscRing
{
    private readonly nint[] _items;
    private readonly long _mask;
    private Index _head;
    private Index _tail;

    public SpscRing(int capacityPowerOfTwo)
    {
        _items = new nint[capacityPowerOfTwo];
        _mask = capacityPowerOfTwo - 1;
    }

    public bool TryEnqueue(nint item)
    {
        long tail = _tail.Value;
        if (tail - Volatile.Read(ref _head.Value) == _items.Length)
        {
            return false;
        }

        _items[tail & _mask] = item;
        Volatile.Write(ref _tail.Value, tail + 1);
        return true;
    }

    public bool TryDequeue(out nint item)
    {
        long head = _head.Value;
        if (head == Volatile.Read(ref _tail.Value))
        {
            item = 0;
            return false;
        }

        item = _items[head & _mask];
        Volatile.Write(ref _head.Value, head + 1);
        return true;
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Index
    {
        [FieldOffset(0)]
        public long Value;
    }
}
