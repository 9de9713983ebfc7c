using System;
using System.Buffers;
using System.Threading;

namespace Numa;

/// <summary>The owner of one buffer rented from a <see cref="NumaMemoryPool"/>.</summary>
internal sealed unsafe class NumaMemoryPoolBlock : MemoryManager<byte>
{
    private readonly NumaMemoryPool _pool;
    private readonly int _length;
    private readonly int _stack;
    private nint _block;

    public NumaMemoryPoolBlock(NumaMemoryPool pool, nint block, int length, int stack)
    {
        _pool = pool;
        _block = block;
        _length = length;
        _stack = stack;
    }

    public override Span<byte> GetSpan() => new((void*)Block, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        // Native memory never moves: pinning is only a bounds check.
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        return new MemoryHandle((byte*)Block + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        // Exchange, so that a second Dispose, even a racing one, finds nothing to return.
        nint block = Interlocked.Exchange(ref _block, 0);
        if (block != 0)
        {
            _pool.Return(block, _stack);
        }
    }

    private nint Block
    {
        get
        {
            nint block = Volatile.Read(ref _block);
            ObjectDisposedException.ThrowIf(block == 0, this);
            return block;
        }
    }
}
