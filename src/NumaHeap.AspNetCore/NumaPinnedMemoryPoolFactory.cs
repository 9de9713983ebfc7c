using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.AspNetCore.Connections;

namespace Numa.AspNetCore;

/// <summary>The <see cref="IMemoryPoolFactory{T}"/> that Kestrel's transports take from DI: a <see cref="NumaPinnedMemoryPool"/> per pool asked for.</summary>
internal sealed class NumaPinnedMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly ConcurrentQueue<NumaPinnedMemoryPool> _created = new();

    /// <summary>The pools this factory made (tests: which pool a host's transport used).</summary>
    public IReadOnlyCollection<NumaPinnedMemoryPool> Created => _created;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new NumaPinnedMemoryPool();
        _created.Enqueue(pool);
        return pool;
    }
}
