using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using Numa;

// Producers on the first node allocate buffers and fill them; consumers on the last node check and
// free them, so every free is a remote free that NumaHeap sends back to the producers' node.
// Run with NUMAHEAP_SIMULATED_NODES=2 on a one-node machine to see the routing.
unsafe
{
    int blocksPerProducer = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
    NumaTopology topology = NumaHeap.Topology;
    int producerNode = 0;
    int consumerNode = topology.NodeCount - 1;
    Console.WriteLine($"Topology: {topology}");
    foreach (NumaNode node in topology.Nodes)
    {
        Console.WriteLine($"  {node}: CPUs [{string.Join(',', node.Cpus)}]");
    }

    Console.WriteLine($"Producers on node {producerNode}, consumers on node {consumerNode}, {blocksPerProducer:N0} blocks per producer.");

    const int Pairs = 2;
    var queues = new BlockingCollection<nint>[Pairs];
    var threads = new Thread[Pairs * 2];
    long checksumErrors = 0;
    long bytesMoved = 0;
    var watch = Stopwatch.StartNew();
    for (int pair = 0; pair < Pairs; pair++)
    {
        var queue = queues[pair] = new BlockingCollection<nint>(boundedCapacity: 4096);
        int seed = pair;
        threads[pair * 2] = new Thread(() =>
        {
            NumaHeap.BindCurrentThread(producerNode);
            var random = new Random(seed);
            for (int i = 0; i < blocksPerProducer; i++)
            {
                // Mostly small buffers, now and then a big one.
                int size = random.Next(100) < 98 ? random.Next(16, 2048) : random.Next(300_000, 2_000_000);
                byte* block = (byte*)NumaHeap.Alloc((nuint)size);
                *(int*)block = size;
                new Span<byte>(block + sizeof(int), size - sizeof(int)).Fill((byte)size);
                queue.Add((nint)block);
            }

            queue.CompleteAdding();
        });
        threads[(pair * 2) + 1] = new Thread(() =>
        {
            NumaHeap.BindCurrentThread(consumerNode);
            foreach (nint handle in queue.GetConsumingEnumerable())
            {
                byte* block = (byte*)handle;
                int size = *(int*)block;
                if (new ReadOnlySpan<byte>(block + sizeof(int), size - sizeof(int)).ContainsAnyExcept((byte)size))
                {
                    Interlocked.Increment(ref checksumErrors);
                }

                Interlocked.Add(ref bytesMoved, size);
                NumaHeap.Free(block);
            }
        });
    }

    foreach (Thread thread in threads)
    {
        thread.Start();
    }

    foreach (Thread thread in threads)
    {
        thread.Join();
    }

    watch.Stop();
    GC.Collect();
    GC.WaitForPendingFinalizers();
    NumaHeap.Trim();

    Console.WriteLine($"Moved {Pairs * blocksPerProducer:N0} blocks ({bytesMoved / (1024.0 * 1024):N1} MiB) between threads in {watch.Elapsed.TotalMilliseconds:N0} ms; content errors: {checksumErrors}.");
    NumaHeapStatistics statistics = NumaHeap.GetStatistics();
    Console.WriteLine();
    Console.WriteLine("node  live-bytes  committed  resident  local-frees  remote-sent  remote-received  batches  purged-bytes");
    foreach (NumaNodeStatistics node in statistics.Nodes)
    {
        Console.WriteLine($"{node.Node,4}  {node.LiveBytes,10:N0}  {node.CommittedBytes,9:N0}  {node.ResidentBytes,8:N0}  {node.LocalFrees,11:N0}  {node.RemoteFreesSent,11:N0}  {node.RemoteFreesReceived,15:N0}  {node.RemoteBatchesReceived,7:N0}  {node.PurgedBytes,12:N0}");
    }

    Console.WriteLine($"Total live bytes after freeing everything: {statistics.LiveBytes:N0}");
    return checksumErrors == 0 && statistics.LiveBytes == 0 ? 0 : 1;
}
