using System;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Threading;
using Numa;

namespace Numa.Samples.ServiceMigration;

/// <summary>
/// An in-memory blob cache that keeps its values in native memory, off the GC heap: the kind of
/// component a caching or session service has. Values are stored with a checksum that every read verifies.
/// </summary>
internal sealed unsafe class BlobCache : IDisposable
{
    private readonly ConcurrentDictionary<int, Blob> _entries = new();
    private readonly long _capacityBytes;
    private readonly int _partitions;
    private long _bytes;

    /// <summary>A cache of at most about <paramref name="capacityBytes"/>; key k belongs to partition k % <paramref name="partitions"/>.</summary>
    public BlobCache(long capacityBytes, int partitions)
    {
        _capacityBytes = capacityBytes;
        _partitions = partitions;
    }

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count => _entries.Count;

    /// <summary>Stores a copy of <paramref name="value"/> under <paramref name="key"/>, replacing what was there.</summary>
    public void Put(int key, ReadOnlySpan<byte> value)
    {
        byte* memory = (byte*)NumaHeap.Alloc((nuint)value.Length);
        value.CopyTo(new Span<byte>(memory, value.Length));
        var blob = new Blob((nint)memory, value.Length, Checksum(value));
        Interlocked.Add(ref _bytes, value.Length);
        _entries.AddOrUpdate(key, blob, (_, old) =>
        {
            Release(old);
            return blob;
        });
        EvictIfOverCapacity(key);
    }

    /// <summary>Appends <paramref name="tail"/> to the value under <paramref name="key"/>; false when there is none.</summary>
    public bool Append(int key, ReadOnlySpan<byte> tail)
    {
        if (!_entries.TryRemove(key, out Blob old))
        {
            return false;
        }

        int length = old.Length + tail.Length;
        byte* memory = (byte*)NumaHeap.Realloc((void*)old.Memory, (nuint)length);
        tail.CopyTo(new Span<byte>(memory + old.Length, tail.Length));
        Interlocked.Add(ref _bytes, tail.Length);
        var blob = new Blob((nint)memory, length, Checksum(new ReadOnlySpan<byte>(memory, length)));
        if (!_entries.TryAdd(key, blob))
        {
            Release(blob);
        }

        return true;
    }

    /// <summary>Reads the value under <paramref name="key"/> and verifies its checksum; -1 when there is none.</summary>
    public int Read(int key)
    {
        if (!_entries.TryGetValue(key, out Blob blob))
        {
            return -1;
        }

        // An entry replaced by another thread while it is read would be freed under the reader; a real
        // service would use reference counts or epochs. Here each partition has one worker, and a
        // worker evicts only keys of its own partition.
        var value = new ReadOnlySpan<byte>((void*)blob.Memory, blob.Length);
        if (Checksum(value) != blob.Checksum)
        {
            throw new InvalidOperationException($"The value under key {key} is corrupt.");
        }

        return blob.Length;
    }

    /// <summary>Removes the value under <paramref name="key"/>.</summary>
    public bool Delete(int key)
    {
        if (!_entries.TryRemove(key, out Blob blob))
        {
            return false;
        }

        Release(blob);
        return true;
    }

    public void Dispose()
    {
        foreach (int key in _entries.Keys)
        {
            Delete(key);
        }
    }

    private static uint Checksum(ReadOnlySpan<byte> value)
    {
        ulong hash = (ulong)value.Length;
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(value);
        foreach (ulong word in words)
        {
            hash = (hash ^ word) * 0x100000001B3UL;
        }

        foreach (byte b in value[(words.Length * sizeof(ulong))..])
        {
            hash = (hash ^ b) * 0x100000001B3UL;
        }

        return (uint)(hash ^ (hash >> 32));
    }

    private void Release(Blob blob)
    {
        Interlocked.Add(ref _bytes, -blob.Length);
        NumaHeap.Free((void*)blob.Memory);
    }

    // Over capacity: drop other entries of the same partition until the cache fits, as a bounded cache does.
    private void EvictIfOverCapacity(int keep)
    {
        if (Bytes <= _capacityBytes)
        {
            return;
        }

        foreach (int key in _entries.Keys)
        {
            if (key != keep && key % _partitions == keep % _partitions)
            {
                Delete(key);
                if (Bytes <= _capacityBytes * 3 / 4)
                {
                    return;
                }
            }
        }
    }

    private readonly record struct Blob(nint Memory, int Length, uint Checksum);
}
