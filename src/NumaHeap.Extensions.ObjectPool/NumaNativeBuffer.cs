using System;
using System.Threading;

namespace Numa.Extensions.ObjectPool;

/// <summary>
/// A fixed-size native buffer from <see cref="NumaHeap"/>, placed on the node of the thread that
/// creates it; pool it with <see cref="NumaNativeBufferPolicy"/>.
/// </summary>
/// <remarks>
/// Dispose it to free the memory: it has no finalizer, so that a pointer taken from it stays valid
/// for as long as the code using it decides. Pools from <see cref="NumaObjectPoolProvider"/> dispose
/// the buffers they drop.
/// </remarks>
public sealed unsafe class NumaNativeBuffer : IDisposable
{
    private nint _pointer;

    /// <summary>Allocates a buffer of <paramref name="length"/> bytes on the calling thread's node.</summary>
    /// <param name="length">The size in bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="OutOfMemoryException">The memory cannot be had.</exception>
    public NumaNativeBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _pointer = (nint)NumaHeap.Alloc((nuint)length);
    }

    /// <summary>The size in bytes.</summary>
    public int Length { get; }

    /// <summary>True once the buffer is disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _pointer) == 0;

    /// <summary>The address of the first byte.</summary>
    /// <exception cref="ObjectDisposedException">The buffer is disposed.</exception>
    public void* Pointer => (void*)Address;

    /// <summary>The buffer's bytes.</summary>
    /// <exception cref="ObjectDisposedException">The buffer is disposed.</exception>
    public Span<byte> Span => new((void*)Address, Length);

    /// <summary>The node the buffer's memory was placed on (<see cref="NumaHeap.InterleavedNode"/> for the interleaved heap).</summary>
    /// <exception cref="ObjectDisposedException">The buffer is disposed.</exception>
    public int Node => NumaHeap.GetNode((void*)Address);

    private nint Address
    {
        get
        {
            nint pointer = Volatile.Read(ref _pointer);
            ObjectDisposedException.ThrowIf(pointer == 0, this);
            return pointer;
        }
    }

    /// <summary>Frees the memory; a second call does nothing.</summary>
    public void Dispose()
    {
        nint pointer = Interlocked.Exchange(ref _pointer, 0);
        if (pointer != 0)
        {
            NumaHeap.Free((void*)pointer);
        }
    }
}
