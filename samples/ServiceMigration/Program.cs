using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using Numa;
using Numa.Samples.ServiceMigration;

// A service-like program: request workers put, read, append to and delete values of a blob cache
// that keeps them in native memory. Usage: dotnet run -c Release -- [requests per worker]
int requestsPerWorker = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
int workers = Math.Max(2, Environment.ProcessorCount);
const int KeysPerWorker = 4096;
var cache = new BlobCache(capacityBytes: 256L << 20, partitions: workers);
long reads = 0;

var watch = Stopwatch.StartNew();
var threads = new Thread[workers];
for (int w = 0; w < workers; w++)
{
    int worker = w;
    threads[w] = new Thread(() =>
    {
        var random = new Random(worker);
        byte[] payload = new byte[(1 << 20) + 1024];
        random.NextBytes(payload);
        long found = 0;
        for (int i = 0; i < requestsPerWorker; i++)
        {
            int key = (random.Next(KeysPerWorker) * workers) + worker;
            int operation = random.Next(100);
            if (operation < 50)
            {
                // Mostly small values, some medium, a few large.
                int dice = random.Next(100);
                int size = dice < 90 ? random.Next(64, 4096) : dice < 99 ? random.Next(4096, 65536) : random.Next(256 << 10, 1 << 20);
                cache.Put(key, payload.AsSpan(random.Next(1024), size));
            }
            else if (operation < 80)
            {
                found += cache.Read(key) >= 0 ? 1 : 0;
            }
            else if (operation < 90)
            {
                cache.Append(key, payload.AsSpan(0, random.Next(16, 512)));
            }
            else
            {
                cache.Delete(key);
            }
        }

        Interlocked.Add(ref reads, found);
    });
    threads[w].Start();
}

foreach (Thread thread in threads)
{
    thread.Join();
}

watch.Stop();
Console.WriteLine($"{workers} workers served {(long)workers * requestsPerWorker:N0} requests in {watch.Elapsed.TotalMilliseconds:N0} ms " +
    $"({workers * requestsPerWorker / watch.Elapsed.TotalSeconds:N0} requests/s); {reads:N0} reads hit.");
Console.WriteLine($"The cache holds {cache.Count:N0} values, {cache.Bytes / (1024.0 * 1024):N1} MiB.");

// Where the memory was, per node, while the cache was full; then everything freed and trimmed.
NumaHeapStatistics full = NumaHeap.GetStatistics();
cache.Dispose();
NumaHeap.Trim();
NumaHeapStatistics empty = NumaHeap.GetStatistics();
Console.WriteLine("node  live-bytes(full)  committed(full)  local-frees  remote-sent  remote-received  live-bytes(empty)");
for (int n = 0; n < full.Nodes.Count; n++)
{
    NumaNodeStatistics f = full.Nodes[n];
    NumaNodeStatistics e = empty.Nodes[n];
    Console.WriteLine($"{f.Node,4}  {f.LiveBytes,16:N0}  {f.CommittedBytes,15:N0}  {e.LocalFrees,11:N0}  {e.RemoteFreesSent,11:N0}  {e.RemoteFreesReceived,15:N0}  {e.LiveBytes,17:N0}");
}

return empty.LiveBytes == 0 ? 0 : 1;
