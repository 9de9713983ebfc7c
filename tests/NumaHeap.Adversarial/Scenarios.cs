using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace Numa.Adversarial;

/// <summary>The scenarios: each returns the rounds it ran and throws when a promise did not hold.</summary>
internal static unsafe class Scenarios
{
    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(2);

    // Free racing an in-place or moving Realloc of the same big block: exactly one of them takes it.
    public static int BigFreeRacingRealloc() =>
        FreeRacingResize(1 << 20, round => round % 2 == 0 ? 512 * 1024 : 2 << 20);

    // The same for a small block resized within its class (run with NUMAHEAP_CHECKS=1).
    public static int SmallFreeRacingRealloc() => FreeRacingResize(64, _ => 1);

    // A double free racing the release of the block's span (one block per span; run with checks):
    // exactly one of the two frees succeeds, the other throws naming the block.
    public static int DoubleFreeRacingSpanRelease()
    {
        void* block = null;
        int succeeded = 0;
        long baseline = LiveBytes();
        return Race.Run(
            20_000,
            s_timeLimit,
            _ =>
            {
                block = NumaHeap.Alloc(200_000);
                succeeded = 0;
            },
            _ =>
            {
                if (SucceedsOrNames(() => NumaHeap.Free(block), block))
                {
                    Interlocked.Increment(ref succeeded);
                }

                NumaHeap.Trim();
            },
            _ =>
            {
                if (SucceedsOrNames(() => NumaHeap.Free(block), block))
                {
                    Interlocked.Increment(ref succeeded);
                }
            },
            round =>
            {
                Expect(succeeded == 1, $"round {round}: {succeeded} of two frees of one block succeeded");
                ExpectLive(baseline, round);
            });
    }

    // GetUsableSize racing the release of the block's span: the size, or an exception naming the block.
    public static int UsableSizeRacingSpanRelease()
    {
        void* block = null;
        long baseline = LiveBytes();
        return Race.Run(
            20_000,
            s_timeLimit,
            _ => block = NumaHeap.Alloc(200_000),
            _ =>
            {
                NumaHeap.Free(block);
                NumaHeap.Trim();
            },
            round =>
            {
                for (int i = 0; i < 4; i++)
                {
                    nuint size = 0;
                    if (SucceedsOrNames(() => size = NumaHeap.GetUsableSize(block), block))
                    {
                        Expect(size >= 200_000, $"round {round}: usable size {size} for a block of 200,000 bytes");
                    }
                }
            },
            round => ExpectLive(baseline, round));
    }

    // Generations of threads on 4 (simulated) nodes that free other nodes' blocks, too few to fill a
    // batch, and exit with those chains pending: every block gets home, and nothing stays live.
    public static int ThreadsExitWithRemoteFrees()
    {
        long baseline = LiveBytes();
        int nodes = NumaHeap.Topology.NodeCount;
        var handed = new ConcurrentQueue<nint>();
        int generations = 0;
        for (; generations < 400; generations++)
        {
            int node = generations % nodes;
            var producer = new Thread(() =>
            {
                NumaHeap.BindCurrentThread(node);
                for (int i = 0; i < 300; i++)
                {
                    byte* block = (byte*)NumaHeap.Alloc((nuint)(16 + (i * 13 % 1000)));
                    block[0] = (byte)i;
                    handed.Enqueue((nint)block);
                }
            });
            producer.Start();
            producer.Join();
            var freer = new Thread(() =>
            {
                NumaHeap.BindCurrentThread((node + 1) % nodes);
                while (handed.TryDequeue(out nint block))
                {
                    NumaHeap.Free((void*)block);
                }
            });
            freer.Start();
            freer.Join();
        }

        var trimmer = new Thread(NumaHeap.Trim);
        trimmer.Start();
        trimmer.Join();
        NumaHeap.Trim();
        ExpectLive(baseline, generations);
        return generations;
    }

    // A bad setting (run with NUMAHEAP_CHECKS=maybe): every call throws InvalidOperationException
    // that names the setting and the value, never a TypeInitializationException.
    public static int BadConfiguration()
    {
        for (int call = 0; call < 3; call++)
        {
            try
            {
                NumaHeap.Free(NumaHeap.Alloc(16));
                throw new InvalidOperationException("an allocation succeeded with a bad setting");
            }
            catch (InvalidOperationException e) when (e.Message.Contains("NUMAHEAP_CHECKS", StringComparison.Ordinal))
            {
                Expect(e.Message.Contains("'maybe'", StringComparison.Ordinal), $"the message does not name the value: {e.Message}");
            }
        }

        return 3;
    }

    // Under a virtual-address limit (ulimit -v): small blocks kept live while big ones from 64 KiB to
    // 8 MiB (what the smallest regions hold) come and go, every block keeping its contents.
    public static int AddressSpaceLimit()
    {
        var small = new List<nint>();
        for (int i = 0; i < 2000; i++)
        {
            byte* block = (byte*)NumaHeap.Alloc((nuint)(16 + (i % 2000)));
            block[0] = (byte)i;
            small.Add((nint)block);
        }

        int rounds = 0;
        for (int size = 64 << 10; size <= 8 << 20; size *= 2, rounds++)
        {
            byte* block = (byte*)NumaHeap.Alloc((nuint)size);
            new Span<byte>(block, size).Fill((byte)rounds);
            Expect(new Span<byte>(block, size).IndexOfAnyExcept((byte)rounds) < 0, $"the block of {size} bytes lost its contents");
            NumaHeap.Free(block);
        }

        for (int i = 0; i < small.Count; i++)
        {
            Expect(*(byte*)small[i] == (byte)i, $"the small block {i} lost its contents");
            NumaHeap.Free((void*)small[i]);
        }

        return rounds;
    }

    // Rounds of Free(p) racing Realloc(p, newSize(round)).
    private static int FreeRacingResize(int size, Func<int, int> newSize)
    {
        long baseline = LiveBytes();
        void* block = null;
        void* resized = null;
        bool freed = false;
        return Race.Run(
            20_000,
            s_timeLimit,
            round =>
            {
                block = NumaHeap.Alloc((nuint)size);
                new Span<byte>(block, Math.Min(size, 4096)).Fill((byte)round);
                resized = null;
                freed = false;
            },
            _ => freed = SucceedsOrNames(() => NumaHeap.Free(block), block),
            round => SucceedsOrNames(() => resized = NumaHeap.Realloc(block, (nuint)newSize(round)), block),
            round =>
            {
                Expect(resized != null || freed, $"round {round}: both the Free and the Realloc failed");
                if (resized != null && resized != block)
                {
                    Expect(!freed, $"round {round}: the Free and a moving Realloc both took the block");
                    int kept = Math.Min(Math.Min(size, 4096), newSize(round));
                    Expect(new Span<byte>(resized, kept).IndexOfAnyExcept((byte)round) < 0, $"round {round}: the moved block lost its contents");
                }

                if (resized != null && !freed)
                {
                    NumaHeap.Free(resized);
                }

                ExpectLive(baseline, round);
            });
    }

    // True when the call succeeded; false when it threw an exception naming the block.
    private static bool SucceedsOrNames(Action call, void* block)
    {
        try
        {
            call();
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            Expect(e.Message.Contains($"0x{(nint)block:X}", StringComparison.Ordinal), $"the exception does not name the block 0x{(nint)block:X}: {e.Message}");
            return false;
        }
    }

    private static long LiveBytes() => NumaHeap.GetStatistics().LiveBytes;

    private static void ExpectLive(long baseline, int round)
    {
        long live = LiveBytes();
        Expect(live == baseline, $"round {round}: {live} bytes live, {baseline} expected");
    }

    private static void Expect(bool holds, string problem)
    {
        if (!holds)
        {
            throw new InvalidOperationException(problem);
        }
    }
}
