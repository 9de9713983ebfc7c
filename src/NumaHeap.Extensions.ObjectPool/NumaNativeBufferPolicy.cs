using System;
using Microsoft.Extensions.ObjectPool;

namespace Numa.Extensions.ObjectPool;

/// <summary>
/// Creates <see cref="NumaNativeBuffer"/>s of one size, and keeps a returned buffer only when its
/// memory is on the returning thread's node.
/// </summary>
/// <remarks>
/// A buffer returned on another node is refused, so that the pool disposes it: its memory goes back
/// to its own node as a remote free, and the next <c>Get</c> on this node creates a local buffer.
/// </remarks>
public sealed class NumaNativeBufferPolicy : PooledObjectPolicy<NumaNativeBuffer>
{
    private readonly Func<int> _currentNode;

    /// <summary>Creates a policy for buffers of <paramref name="bufferSize"/> bytes.</summary>
    /// <param name="bufferSize">The size of the buffers in bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufferSize"/> is negative.</exception>
    public NumaNativeBufferPolicy(int bufferSize)
        : this(bufferSize, static () => NumaHeap.CurrentNode)
    {
    }

    internal NumaNativeBufferPolicy(int bufferSize, Func<int> currentNode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bufferSize);
        BufferSize = bufferSize;
        _currentNode = currentNode;
    }

    /// <summary>The size of the buffers in bytes.</summary>
    public int BufferSize { get; }

    /// <summary>Zero a buffer's bytes when it is returned, so that no data passes from one user to the next.</summary>
    public bool ClearOnReturn { get; init; }

    /// <summary>Allocates a buffer on the calling thread's node.</summary>
    /// <returns>The new buffer.</returns>
    public override NumaNativeBuffer Create() => new(BufferSize);

    /// <summary>Keeps a live buffer of <see cref="BufferSize"/> bytes whose memory is on the calling thread's node.</summary>
    /// <param name="obj">The returned buffer.</param>
    /// <returns>True to keep it; false to let the pool dispose it.</returns>
    public override bool Return(NumaNativeBuffer obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj.IsDisposed || obj.Length != BufferSize || obj.Node != _currentNode())
        {
            return false;
        }

        if (ClearOnReturn)
        {
            obj.Span.Clear();
        }

        return true;
    }
}
