using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Numa.Tests.Stress;

/// <summary>
/// A mimalloc test-stress / larson style workload on one heap: every round starts a fresh set of
/// threads that allocate blocks of random sizes, free and resize them, and swap them through a shared
/// transfer array, so that blocks are freed and reallocated by threads (and nodes) other than the
/// one that allocated them. Every block carries <see cref="BlockPattern"/> contents that are checked
/// whenever a block is freed, resized or handed over.
/// </summary>
internal sealed unsafe class StressRun
{
    private readonly Heap _heap;
    private readonly StressSettings _settings;
    private readonly nint[] _transfer;
    private readonly object _failureLock = new();
    private long _operations;
    private long _allocations;
    private long _bytesAllocated;
    private long _transfers;
    private long _bytesTransferred;
    private long _reallocs;
    private long _migrations;
    private long _checkedBlocks;
    private long _contentErrors;
    private int _nextId;
    private int _threads;
    private ExceptionDispatchInfo? _failure;

    public StressRun(Heap heap, StressSettings settings)
    {
        _heap = heap;
        _settings = settings;
        _transfer = new nint[settings.TransferSlots];
    }

    /// <summary>Runs every round, then frees what is left in the transfer array on the calling thread.</summary>
    public StressReport Run()
    {
        var clock = Stopwatch.StartNew();
        int rounds = 0;
        while (_settings.Seconds > 0 ? rounds == 0 || clock.Elapsed.TotalSeconds < _settings.Seconds : rounds < _settings.Rounds)
        {
            var threads = new Thread[_settings.Threads];
            for (int t = 0; t < threads.Length; t++)
            {
                int index = t;
                int round = rounds;
                threads[t] = new Thread(() => RunThread(round, index)) { IsBackground = true, Name = $"stress {round}.{index}" };
                threads[t].Start();
                Interlocked.Increment(ref _threads);
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            rounds++;
            _failure?.Throw();
        }

        for (int i = 0; i < _transfer.Length; i++)
        {
            nint block = Interlocked.Exchange(ref _transfer[i], 0);
            if (block != 0)
            {
                CheckAndFree(block);
            }
        }

        return new StressReport(
            rounds,
            _threads,
            _operations,
            _allocations,
            _bytesAllocated,
            _transfers,
            _bytesTransferred,
            _reallocs,
            _migrations,
            _checkedBlocks,
            _contentErrors,
            clock.Elapsed);
    }

    private void RunThread(int round, int index)
    {
        try
        {
            // Most threads bind to a node that changes from round to round; every fourth stays
            // unbound, so it follows its CPU and moves between (simulated) nodes as the OS moves it.
            int nodes = _heap.Topology.NodeCount;
            if (index % 4 != 3)
            {
                _heap.BindCurrentThread((index + round) % nodes);
            }

            var random = new Random(HashCode.Combine(_settings.Seed, round, index));
            var local = new List<(nint Block, bool Foreign)>(_settings.MaxLiveBlocksPerThread);
            long operations = 0, allocations = 0, bytes = 0, transfers = 0, transferred = 0, reallocs = 0, migrations = 0;
            for (int op = 0; op < _settings.OperationsPerThread; op++)
            {
                operations++;
                int choice = random.Next(100);
                if (local.Count == 0 || (choice < 40 && local.Count < _settings.MaxLiveBlocksPerThread))
                {
                    int size = NextSize(random);
                    local.Add((Allocate(random, size), false));
                    allocations++;
                    bytes += size;
                }
                else if (choice < 65 || local.Count >= _settings.MaxLiveBlocksPerThread)
                {
                    int at = random.Next(local.Count);
                    CheckAndFree(local[at].Block);
                    local[at] = local[^1];
                    local.RemoveAt(local.Count - 1);
                }
                else if (choice < 80)
                {
                    int at = random.Next(local.Count);
                    int size = NextSize(random);
                    migrations += local[at].Foreign ? 1 : 0;
                    local[at] = (Reallocate(local[at].Block, size), false);
                    reallocs++;
                    bytes += size;
                }
                else
                {
                    // Swap one of ours with whatever another thread left in a random slot.
                    int at = random.Next(local.Count);
                    nint mine = local[at].Block;
                    int size = BlockPattern.SizeOf((byte*)mine);
                    nint theirs = Interlocked.Exchange(ref _transfer[random.Next(_transfer.Length)], mine);
                    transfers++;
                    transferred += size;
                    if (theirs != 0)
                    {
                        Check(theirs);
                        local[at] = (theirs, true);
                    }
                    else
                    {
                        local[at] = local[^1];
                        local.RemoveAt(local.Count - 1);
                    }
                }
            }

            foreach ((nint block, _) in local)
            {
                CheckAndFree(block);
            }

            Interlocked.Add(ref _operations, operations + local.Count);
            Interlocked.Add(ref _allocations, allocations);
            Interlocked.Add(ref _bytesAllocated, bytes);
            Interlocked.Add(ref _transfers, transfers);
            Interlocked.Add(ref _bytesTransferred, transferred);
            Interlocked.Add(ref _reallocs, reallocs);
            Interlocked.Add(ref _migrations, migrations);
        }
        catch (Exception e)
        {
            lock (_failureLock)
            {
                _failure ??= ExceptionDispatchInfo.Capture(e);
            }
        }
    }

    // Mostly small blocks, some medium, a few in a thousand up to the maximum (mimalloc test-stress's mix).
    private int NextSize(Random random)
    {
        int kind = random.Next(1000);
        int max = Math.Max(BlockPattern.HeaderSize + 1, _settings.MaxSize);
        return kind switch
        {
            < 3 => random.Next(Math.Min(256 * 1024, max - 1), max),
            < 50 => random.Next(1024, Math.Min(256 * 1024, max)),
            < 300 => random.Next(256, Math.Min(1024, max)),
            _ => random.Next(BlockPattern.HeaderSize, Math.Min(256, max)),
        };
    }

    private nint Allocate(Random random, int size)
    {
        uint id = (uint)Interlocked.Increment(ref _nextId);
        int how = random.Next(100);
        byte* block;
        if (how < 5)
        {
            block = (byte*)_heap.AllocZeroed((nuint)size);
            if (new ReadOnlySpan<byte>(block, size).ContainsAnyExcept((byte)0))
            {
                Fail($"AllocZeroed({size}) returned 0x{(nint)block:X} with nonzero bytes");
            }
        }
        else if (how < 7)
        {
            // Placed blocks are freed by whichever thread ends up holding them.
            NumaPlacement placement = how == 5 ? NumaPlacement.Interleaved : NumaPlacement.OnNode(random.Next(_heap.Topology.NodeCount));
            block = (byte*)_heap.Allocate((nuint)size, placement);
            int expected = how == 5 ? NumaHeap.InterleavedNode : placement.Node;
            if (_heap.GetNode(block) != expected)
            {
                Fail($"a block placed with {placement} reports node {_heap.GetNode(block)}");
            }
        }
        else
        {
            block = (byte*)_heap.Alloc((nuint)size);
        }

        BlockPattern.Fill(block, id, size);
        return (nint)block;
    }

    private nint Reallocate(nint block, int size)
    {
        Check(block);
        int old = BlockPattern.SizeOf((byte*)block);
        uint id = BlockPattern.IdOf((byte*)block);
        var moved = (byte*)_heap.Realloc((void*)block, (nuint)size);
        if (BlockPattern.Check(moved, id, Math.Min(old, size)) is string problem)
        {
            Fail($"Realloc from {old} to {size} bytes lost contents: {problem}");
        }

        BlockPattern.Fill(moved, id, size, from: old);
        return (nint)moved;
    }

    private void Check(nint block)
    {
        Interlocked.Increment(ref _checkedBlocks);
        if (BlockPattern.Check((byte*)block, _heap.GetUsableSize((void*)block)) is string problem)
        {
            Fail(problem);
        }
    }

    private void CheckAndFree(nint block)
    {
        Check(block);
        _heap.Free((void*)block);
    }

    private void Fail(string problem)
    {
        Interlocked.Increment(ref _contentErrors);
        throw new InvalidOperationException($"Stress run ({_settings}) found a damaged block: {problem}");
    }
}
