using System.Collections.Generic;
using Numa.Platform;

namespace Numa.NodeHeaps;

/// <summary>
/// Span descriptors in the heap's own memory, in chunks taken from the OS, so that the metadata of a
/// heap that emptied goes back to the OS on Trim like its pages do (a descriptor from the C heap
/// would stay resident there).
/// </summary>
internal sealed unsafe class SpanDescriptorPool
{
    private const nuint ChunkBytes = 1024 * 1024;

    private readonly object _lock = new();
    private readonly OsMemory _os;
    private readonly List<nint> _chunks = new();
    private SmallSpan* _free;
    private nuint _bump;
    private nuint _bumpEnd;
    private long _live;

    public SpanDescriptorPool(OsMemory os) => _os = os;

    /// <summary>A zeroed descriptor.</summary>
    /// <exception cref="System.OutOfMemoryException">The OS refused a new chunk.</exception>
    public SmallSpan* Rent()
    {
        lock (_lock)
        {
            SmallSpan* span = _free;
            if (span != null)
            {
                _free = span->Next;
                *span = default;
            }
            else
            {
                if (_bump + (nuint)sizeof(SmallSpan) > _bumpEnd)
                {
                    void* chunk = _os.ReserveCommitted(ChunkBytes);
                    _chunks.Add((nint)chunk);
                    _bump = (nuint)chunk;
                    _bumpEnd = _bump + ChunkBytes;
                }

                span = (SmallSpan*)_bump;
                _bump += (nuint)sizeof(SmallSpan);
            }

            _live++;
            return span;
        }
    }

    /// <summary>Takes a descriptor back.</summary>
    public void Return(SmallSpan* span)
    {
        lock (_lock)
        {
            span->Next = _free;
            _free = span;
            _live--;
        }
    }

    /// <summary>Gives every chunk back to the OS when no descriptor is in use.</summary>
    public void ReleaseIfUnused()
    {
        lock (_lock)
        {
            if (_live == 0)
            {
                ReleaseChunks();
            }
        }
    }

    /// <summary>Gives every chunk back to the OS; only for a heap that is being disposed.</summary>
    public void Release()
    {
        lock (_lock)
        {
            ReleaseChunks();
        }
    }

    private void ReleaseChunks()
    {
        foreach (nint chunk in _chunks)
        {
            _os.Release((void*)chunk, ChunkBytes);
        }

        _chunks.Clear();
        _free = null;
        _bump = _bumpEnd = 0;
        _live = 0;
    }
}
