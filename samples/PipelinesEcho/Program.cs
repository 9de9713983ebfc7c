using System;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Numa;

// A line echo server and its client in one process, over a loopback socket. Both sides read and
// write through System.IO.Pipelines, and every pipe segment is a NumaHeap block from a
// NumaMemoryPool, rented on the node of the thread that fills it.
// Usage: dotnet run -c Release -- [messages]
int messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var pool = new NumaMemoryPool();

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen(1);
var watch = Stopwatch.StartNew();
Task server = Task.Run(async () =>
{
    using Socket connection = await listener.AcceptAsync();
    await using var stream = new NetworkStream(connection, ownsSocket: false);
    await EchoLinesAsync(
        PipeReader.Create(stream, new StreamPipeReaderOptions(pool: pool, bufferSize: pool.BlockSize, leaveOpen: true)),
        PipeWriter.Create(stream, new StreamPipeWriterOptions(pool: pool, minimumBufferSize: pool.BlockSize, leaveOpen: true)));
});

using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
await client.ConnectAsync(listener.LocalEndPoint!);
await using var clientStream = new NetworkStream(client, ownsSocket: false);
PipeReader replies = PipeReader.Create(clientStream, new StreamPipeReaderOptions(pool: pool, bufferSize: pool.BlockSize, leaveOpen: true));
PipeWriter requests = PipeWriter.Create(clientStream, new StreamPipeWriterOptions(pool: pool, minimumBufferSize: pool.BlockSize, leaveOpen: true));

Task sending = Task.Run(async () =>
{
    for (int i = 0; i < messages; i++)
    {
        int length = Encoding.ASCII.GetBytes(Message(i), requests.GetSpan(512));
        requests.Advance(length);
        if (i % 64 == 63)
        {
            await requests.FlushAsync();
        }
    }

    await requests.CompleteAsync();
    client.Shutdown(SocketShutdown.Send);
});

int received = 0;
long bytes = 0;
while (received < messages)
{
    ReadResult result = await replies.ReadAsync();
    ReadOnlySequence<byte> buffer = result.Buffer;
    while (TryReadLine(ref buffer, out ReadOnlySequence<byte> line))
    {
        string text = Encoding.ASCII.GetString(line);
        if (text != Message(received).TrimEnd('\n'))
        {
            throw new InvalidOperationException($"Echo {received} is \"{text}\", not what was sent.");
        }

        bytes += line.Length + 1;
        received++;
    }

    replies.AdvanceTo(buffer.Start, buffer.End);
    if (result.IsCompleted)
    {
        break;
    }
}

await replies.CompleteAsync();
await sending;
await server;
watch.Stop();

Console.WriteLine($"Echoed {received:N0} of {messages:N0} messages ({bytes / 1024.0:N0} KiB) over a loopback socket in {watch.Elapsed.TotalMilliseconds:N0} ms.");
Console.WriteLine($"NumaMemoryPool: {pool.BlockSize:N0}-byte blocks, {pool.CachedBytes:N0} bytes cached for reuse.");
NumaHeapStatistics statistics = NumaHeap.GetStatistics();
foreach (NumaNodeStatistics node in statistics.Nodes)
{
    Console.WriteLine($"  node {node.Node}: live {node.LiveBytes:N0} bytes (the pool's cached blocks), committed {node.CommittedBytes:N0}, remote frees received {node.RemoteFreesReceived:N0}");
}

pool.Dispose();
long live = NumaHeap.GetStatistics().LiveBytes;
Console.WriteLine($"After disposing the pool: {live:N0} live bytes.");
return received == messages && live == 0 ? 0 : 1;

static string Message(int i) => $"message {i} {new string((char)('a' + (i % 26)), i * 7 % 200)}\n";

static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
{
    SequencePosition? end = buffer.PositionOf((byte)'\n');
    if (end is null)
    {
        line = default;
        return false;
    }

    line = buffer.Slice(0, end.Value);
    buffer = buffer.Slice(buffer.GetPosition(1, end.Value));
    return true;
}

// The server: copies every complete line back, flushing once per read.
static async Task EchoLinesAsync(PipeReader input, PipeWriter output)
{
    while (true)
    {
        ReadResult result = await input.ReadAsync();
        ReadOnlySequence<byte> buffer = result.Buffer;
        while (TryReadLine(ref buffer, out ReadOnlySequence<byte> line))
        {
            foreach (ReadOnlyMemory<byte> segment in line)
            {
                output.Write(segment.Span);
            }

            output.Write("\n"u8);
        }

        input.AdvanceTo(buffer.Start, buffer.End);
        await output.FlushAsync();
        if (result.IsCompleted)
        {
            break;
        }
    }

    await input.CompleteAsync();
    await output.CompleteAsync();
}
