using System;
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Linq;
using System.Runtime.InteropServices;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Diagnostics;

/// <summary>The NumaHeap event source raises each event with the payload an operator needs.</summary>
/// <remarks>Tests of other classes run at the same time and raise events too: each test looks for its own by payload.</remarks>
public sealed unsafe class NumaHeapEventSourceTests
{
    [Fact]
    public void ForeignAndInteriorPointers_RaiseMisuseEvents_WithThePointer()
    {
        using var listener = new HeapEventListener();
        using Heap heap = TestHeaps.Create();
        void* foreign = NativeMemory.Alloc(64);
        byte* block = (byte*)heap.Alloc(100_000);
        try
        {
            var foreignError = Assert.Throws<ArgumentException>(() => heap.Free(foreign));
            Assert.Throws<ArgumentException>(() => heap.Free(block + 16));
            EventWrittenEventArgs misuse = listener.Single(NumaHeapEventSource.MisuseId, e => (ulong)e.Payload![1]! == (ulong)foreign);
            Assert.Equal("foreign pointer", misuse.Payload![0]);
            Assert.Equal(foreignError.Message.Split(" (Parameter")[0], misuse.Payload[2]);
            Assert.Equal(EventLevel.Warning, misuse.Level);
            Assert.Equal("interior pointer", listener.Single(NumaHeapEventSource.MisuseId, e => (ulong)e.Payload![1]! == (ulong)(block + 16)).Payload![0]);

            // A repeated free, caught in default mode at the head of the thread's list.
            void* small = heap.Alloc(64);
            heap.Free(small);
            Assert.Throws<InvalidOperationException>(() => heap.Free(small));
            Assert.Equal("double free", listener.Single(NumaHeapEventSource.MisuseId, e => (ulong)e.Payload![1]! == (ulong)small).Payload![0]);
        }
        finally
        {
            heap.Free(block);
            NativeMemory.Free(foreign);
        }
    }

    [Fact]
    public void OutOfMemory_RaisesAnErrorEvent_WithTheExceptionsMessage()
    {
        using var listener = new HeapEventListener();
        using Heap heap = TestHeaps.Create();
        var e = Assert.Throws<OutOfMemoryException>(() => heap.Alloc(nuint.MaxValue / 2));
        EventWrittenEventArgs oom = listener.Single(NumaHeapEventSource.OutOfMemoryId, x => (string)x.Payload![0]! == e.Message);
        Assert.Equal(EventLevel.Error, oom.Level);
    }

    [Fact]
    public void ANewThread_RaisesThreadCacheCreated_AndItsCacheGoingBack_ThreadCacheReleased()
    {
        using var listener = new HeapEventListener();
        using Heap heap = TestHeaps.Create();
        int threadId = 0;
        var first = new TestThread(() =>
        {
            threadId = Environment.CurrentManagedThreadId;
            heap.Free(heap.Alloc(64));
        });
        first.Start();
        first.Join();
        Assert.Equal(0, (int)listener.Single(NumaHeapEventSource.ThreadCacheCreatedId, e => (int)e.Payload![1]! == threadId).Payload![0]!);

        // A later new thread gives back the caches of threads that have exited.
        int releasedBefore = listener.Count(NumaHeapEventSource.ThreadCacheReleasedId);
        var second = new TestThread(() => heap.Free(heap.Alloc(64)));
        second.Start();
        second.Join();
        Assert.True(listener.Count(NumaHeapEventSource.ThreadCacheReleasedId) > releasedBefore, "no ThreadCacheReleased event for the exited thread");
    }

    [Fact]
    public void Trim_RaisesAPurgeEvent_WithTheNodeAndTheBytesGivenBack()
    {
        using var listener = new HeapEventListener();
        using Heap heap = TestHeaps.Create(purgeDelayMs: 60_000);
        byte* block = (byte*)heap.Alloc(4 * 1024 * 1024);
        new Span<byte>(block, 4 * 1024 * 1024).Fill(1);
        heap.Free(block);
        heap.Trim();
        EventWrittenEventArgs purge = listener.First(NumaHeapEventSource.PurgeId, e => (int)e.Payload![0]! == 0 && (long)e.Payload[1]! >= 4 * 1024 * 1024);
        Assert.True((long)purge.Payload![2]! >= 1);
        Assert.Equal(EventLevel.Informational, purge.Level);
    }

    [Fact]
    public void AMaintenanceError_RaisesAnErrorEvent_WithTheException()
    {
        using var listener = new HeapEventListener();
        var os = new FaultInjectingOsMemory();
        using Heap heap = TestHeaps.Create(os: os, purgeDelayMs: 20);
        os.FailNextDecommits(1);
        heap.Free(heap.Alloc(4 * 1024 * 1024));
        Exception error = Assert.IsType<InvalidOperationException>(TestHeaps.WaitForMaintenanceError(heap));
        EventWrittenEventArgs raised = listener.Single(NumaHeapEventSource.MaintenanceErrorId, e => (string)e.Payload![1]! == error.Message);
        Assert.Equal(typeof(InvalidOperationException).FullName, raised.Payload![0]);
    }

    [Fact]
    public void TheEventSource_IsNamedNumaHeap_AndItsManifestHasEveryEvent()
    {
        Assert.Equal("NumaHeap", NumaHeapEventSource.Log.Name);
        string manifest = EventSource.GenerateManifest(typeof(NumaHeapEventSource), "NumaHeap.dll")!;
        foreach (string name in new[] { "Purge", "OutOfMemory", "Misuse", "MaintenanceError", "ThreadCacheCreated", "ThreadCacheReleased", "NodeSpill" })
        {
            Assert.Contains($"name=\"{name}\"", manifest, StringComparison.Ordinal);
        }
    }

    private sealed class HeapEventListener : EventListener
    {
        private readonly ConcurrentQueue<EventWrittenEventArgs> _events = new();

        public EventWrittenEventArgs Single(int id, Func<EventWrittenEventArgs, bool> match) => Assert.Single(_events, e => e.EventId == id && match(e));

        public EventWrittenEventArgs First(int id, Func<EventWrittenEventArgs, bool> match) =>
            _events.FirstOrDefault(e => e.EventId == id && match(e)) ?? throw new Xunit.Sdk.XunitException($"no event {id} matched among {_events.Count}");

        public int Count(int id) => _events.Count(e => e.EventId == id);

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "NumaHeap")
            {
                EnableEvents(eventSource, EventLevel.Verbose, EventKeywords.All);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventSource.Name == "NumaHeap")
            {
                _events.Enqueue(eventData);
            }
        }
    }
}
