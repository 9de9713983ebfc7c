using System;
using System.Buffers;
using System.Diagnostics;
using System.Threading;

namespace Numa.AspNetCore;

/// <summary>A 4 KiB block of a pinned slab; disposing it returns it to the queue of its slab's node.</summary>
internal sealed class NumaPinnedBlock : IMemoryOwner<byte>
{
    private readonly NumaPinnedNodeBlocks _home;
    private int _rented;

    public NumaPinnedBlock(NumaPinnedNodeBlocks home, Memory<byte> memory)
    {
        _home = home;
        Memory = memory;
    }

    public Memory<byte> Memory { get; }

    // Only the renter can see a block just taken from the queue: no atomic needed.
    public void OnRented()
    {
        Debug.Assert(_rented == 0, "a block in the free queue is not rented");
        Volatile.Write(ref _rented, 1);
    }

    // A second Dispose must not queue the block twice, which would hand it to two renters.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, 0) == 1)
        {
            _home.Return(this);
        }
    }
}
