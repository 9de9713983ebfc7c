using System.Threading;

namespace Numa;

/// <summary>One node's free blocks in a <see cref="NumaMemoryPool"/>: a bounded stack under a lock.</summary>
/// <remarks>Last in, first out, so that the block a thread gets is the one most likely still in cache.</remarks>
internal sealed class NumaMemoryPoolStack
{
    private readonly nint[] _blocks;
    private int _count;
    private bool _closed;

    // Set by every push and pop, cleared by the trim timer: a stack still clear at the next tick was idle.
    private int _touched;

    public NumaMemoryPoolStack(int capacity) => _blocks = new nint[capacity];

    /// <summary>How many blocks the stack holds.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Pops the most recently pushed block.</summary>
    public bool TryPop(out nint block)
    {
        lock (_blocks)
        {
            _touched = 1;
            if (_count == 0)
            {
                block = 0;
                return false;
            }

            block = _blocks[--_count];
            _blocks[_count] = 0;
            return true;
        }
    }

    /// <summary>Pushes a block; false when the stack is full or closed, and the caller frees it.</summary>
    public bool TryPush(nint block)
    {
        lock (_blocks)
        {
            _touched = 1;
            if (_closed || _count == _blocks.Length)
            {
                return false;
            }

            _blocks[_count++] = block;
            return true;
        }
    }

    /// <summary>Frees every block when no push or pop happened since the previous call.</summary>
    public void TrimIfIdle(Heap heap)
    {
        if (Interlocked.Exchange(ref _touched, 0) == 0)
        {
            Drain(heap, close: false);
        }
    }

    /// <summary>Frees every block; once closed, pushes fail so that late returns are freed by their callers.</summary>
    public unsafe void Drain(Heap heap, bool close)
    {
        nint[] taken;
        int count;
        lock (_blocks)
        {
            _closed |= close;
            count = _count;
            if (count == 0)
            {
                return;
            }

            taken = _blocks[..count];
            System.Array.Clear(_blocks, 0, count);
            _count = 0;
        }

        // Free outside the lock: a free may take a node heap's lock.
        for (int i = 0; i < count; i++)
        {
            heap.Free((void*)taken[i]);
        }
    }
}
