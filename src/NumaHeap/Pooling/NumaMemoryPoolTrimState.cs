using System;
using System.Threading;

namespace Numa;

/// <summary>What the trim timer of a <see cref="NumaMemoryPool"/> holds: the stacks, and the pool only weakly.</summary>
internal sealed class NumaMemoryPoolTrimState
{
    private readonly WeakReference<NumaMemoryPool> _pool;
    private readonly Heap _heap;
    private readonly NumaMemoryPoolStack[] _stacks;

    public NumaMemoryPoolTrimState(WeakReference<NumaMemoryPool> pool, Heap heap, NumaMemoryPoolStack[] stacks)
    {
        _pool = pool;
        _heap = heap;
        _stacks = stacks;
    }

    /// <summary>The timer that calls <see cref="Tick"/>, disposed once the pool is gone.</summary>
    public Timer? Timer { get; set; }

    /// <summary>Trims the stacks that were idle for a whole interval; frees everything once the pool was collected.</summary>
    public void Tick()
    {
        bool alive = _pool.TryGetTarget(out _);
        foreach (NumaMemoryPoolStack stack in _stacks)
        {
            if (alive)
            {
                stack.TrimIfIdle(_heap);
            }
            else
            {
                stack.Drain(_heap, close: true);
            }
        }

        if (!alive)
        {
            Timer?.Dispose();
        }
    }
}
