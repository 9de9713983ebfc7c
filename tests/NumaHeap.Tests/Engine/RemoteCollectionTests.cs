using System;
using System.Collections.Concurrent;
using System.Threading;
using Numa.Tests.Stress;
using Xunit;

namespace Numa.Tests.Engine;

/// <summary>
/// The chains in which a thread gathers its frees of other shards' blocks are also taken by other
/// threads (the maintenance timer, Trim): every block freed by a thread of a sibling shard reaches
/// its home exactly once, whatever the interleaving with a third thread that collects the chains
/// all the time. (With the owner's side of the chains' lock removed, this test crashes the process
/// or finds blocks lost.)
/// </summary>
public sealed unsafe class RemoteCollectionTests
{
    private const int Blocks = 600_000;
    private const int Chunk = 64;

    [Fact]
    public void RemoteFreesRacingWithCollection_LoseNoBlockAndFreeNoneTwice()
    {
        using Heap heap = TestHeaps.Create(shardsPerNode: 2);
        var handedOver = new BlockingCollection<nint[]>(boundedCapacity: 64);
        int stop = 0;
        long collections = 0;
        long verified = 0;

        // Two threads on two shards: every free the consumer makes is a free of a sibling shard's block.
        var producer = new TestThread(() =>
        {
            for (int i = 0; i < Blocks / Chunk; i++)
            {
                var chunk = new nint[Chunk];
                for (int j = 0; j < Chunk; j++)
                {
                    int size = 16 + (16 * (j % 8));
                    var p = (byte*)heap.Alloc((nuint)size);
                    new Span<byte>(p, size).Fill((byte)(i + j));
                    chunk[j] = (nint)p;
                }

                handedOver.Add(chunk);
            }

            handedOver.CompleteAdding();
        });
        var consumer = new TestThread(() =>
        {
            int i = 0;
            foreach (nint[] chunk in handedOver.GetConsumingEnumerable())
            {
                for (int j = 0; j < Chunk; j++)
                {
                    int size = 16 + (16 * (j % 8));
                    var p = (byte*)chunk[j];
                    if (new ReadOnlySpan<byte>(p, size).ContainsAnyExcept((byte)(i + j)))
                    {
                        throw new InvalidOperationException($"block {j} of chunk {i} was overwritten while live");
                    }

                    heap.Free(p);
                    verified++;
                }

                i++;
            }
        });
        var collector = new TestThread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                heap.Trim();
                collections++;
            }
        });

        collector.Start();
        producer.Start();
        consumer.Start();
        producer.Join();
        consumer.Join();
        Volatile.Write(ref stop, 1);
        collector.Join();

        Assert.Equal(Blocks, verified);
        Assert.True(collections > 10, $"only {collections} collections ran alongside the frees");
        Quiescence.AssertSettled(heap);
    }
}
