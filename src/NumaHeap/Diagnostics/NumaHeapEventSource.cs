using System;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Tracing;

namespace Numa;

/// <summary>
/// The heap's events for operators (<c>dotnet-trace collect --providers NumaHeap</c>, an
/// <see cref="EventListener"/>): purges, out-of-memory, misuse with the pointer, maintenance
/// errors, thread caches created and released, nodes that spilled to other nodes.
/// </summary>
/// <remarks>
/// Every event is raised on a cold path (a throw, a purge pass, a new or dead thread, a statistics
/// snapshot) behind <see cref="EventSource.IsEnabled(EventLevel, EventKeywords)"/>, so nobody
/// listening costs a field test there and nothing on the allocation and free fast paths.
/// </remarks>
[EventSource(Name = "NumaHeap")]
internal sealed class NumaHeapEventSource : EventSource
{
    public const int PurgeId = 1;
    public const int OutOfMemoryId = 2;
    public const int MisuseId = 3;
    public const int MaintenanceErrorId = 4;
    public const int ThreadCacheCreatedId = 5;
    public const int ThreadCacheReleasedId = 6;
    public const int NodeSpillId = 7;

    public static readonly NumaHeapEventSource Log = new();

    private NumaHeapEventSource()
    {
    }

    /// <summary>A purge pass gave pages of a node's region back to the OS (decay, resident limit or Trim).</summary>
    [Event(PurgeId, Level = EventLevel.Informational, Keywords = Keywords.Purge, Message = "Node {0} gave {1} bytes back to the OS in {2} purge(s).")]
    [UnconditionalSuppressMessage("ReflectionAnalysis", "IL2026", Justification = "The payload is primitives and strings, which need no reflection.")]
    public unsafe void Purge(int node, long bytes, long purges)
    {
        EventData* data = stackalloc EventData[3];
        data[0] = Data(&node, sizeof(int));
        data[1] = Data(&bytes, sizeof(long));
        data[2] = Data(&purges, sizeof(long));
        WriteEventCore(PurgeId, 3, data);
    }

    /// <summary>An allocation failed with <see cref="OutOfMemoryException"/>.</summary>
    [Event(OutOfMemoryId, Level = EventLevel.Error, Keywords = Keywords.OutOfMemory, Message = "{0}")]
    public void OutOfMemory(string message) => WriteEvent(OutOfMemoryId, message);

    /// <summary>A call was refused for a bad pointer (foreign, interior, double free, corruption).</summary>
    [Event(MisuseId, Level = EventLevel.Warning, Keywords = Keywords.Misuse, Message = "{0} at 0x{1:X}: {2}")]
    [UnconditionalSuppressMessage("ReflectionAnalysis", "IL2026", Justification = "The payload is primitives and strings, which need no reflection.")]
    public unsafe void Misuse(string kind, ulong pointer, string message)
    {
        fixed (char* kindChars = kind)
        fixed (char* messageChars = message)
        {
            EventData* data = stackalloc EventData[3];
            data[0] = Data(kindChars, (kind.Length + 1) * sizeof(char));
            data[1] = Data(&pointer, sizeof(ulong));
            data[2] = Data(messageChars, (message.Length + 1) * sizeof(char));
            WriteEventCore(MisuseId, 3, data);
        }
    }

    /// <summary>The background maintenance met an exception; the heap stays usable.</summary>
    [Event(MaintenanceErrorId, Level = EventLevel.Error, Keywords = Keywords.Maintenance, Message = "Maintenance failed with {0}: {1}")]
    public void MaintenanceError(string exceptionType, string message) => WriteEvent(MaintenanceErrorId, exceptionType, message);

    /// <summary>A thread made its first call into a heap and got a thread cache on a node.</summary>
    [Event(ThreadCacheCreatedId, Level = EventLevel.Verbose, Keywords = Keywords.ThreadCache, Message = "Managed thread {1} got a thread cache on node {0}.")]
    public void ThreadCacheCreated(int node, int managedThreadId) => WriteEvent(ThreadCacheCreatedId, node, managedThreadId);

    /// <summary>The cache of a thread that exited went back to its node heap.</summary>
    [Event(ThreadCacheReleasedId, Level = EventLevel.Verbose, Keywords = Keywords.ThreadCache, Message = "The thread cache of an exited thread went back to node {0}.")]
    public void ThreadCacheReleased(int node) => WriteEvent(ThreadCacheReleasedId, node);

    /// <summary>A node's region has resident pages on other nodes: the node ran out of memory.</summary>
    [Event(NodeSpillId, Level = EventLevel.Warning, Keywords = Keywords.Placement, Message = "Node {0} has {1} of its {2} resident bytes on other nodes.")]
    [UnconditionalSuppressMessage("ReflectionAnalysis", "IL2026", Justification = "The payload is primitives and strings, which need no reflection.")]
    public unsafe void NodeSpill(int node, long spilledBytes, long residentBytes)
    {
        EventData* data = stackalloc EventData[3];
        data[0] = Data(&node, sizeof(int));
        data[1] = Data(&spilledBytes, sizeof(long));
        data[2] = Data(&residentBytes, sizeof(long));
        WriteEventCore(NodeSpillId, 3, data);
    }

    /// <summary>Reports a misuse if anyone listens; for <see cref="ThrowHelper"/>'s pointer throws.</summary>
    [NonEvent]
    public unsafe void ReportMisuse(string kind, void* pointer, string message)
    {
        if (IsEnabled(EventLevel.Warning, Keywords.Misuse))
        {
            Misuse(kind, (ulong)pointer, message);
        }
    }

    [NonEvent]
    private static unsafe EventData Data(void* address, int size) => new() { DataPointer = (nint)address, Size = size };

    /// <summary>The event groups a session can select.</summary>
    public static class Keywords
    {
        public const EventKeywords Purge = (EventKeywords)0x1;
        public const EventKeywords OutOfMemory = (EventKeywords)0x2;
        public const EventKeywords Misuse = (EventKeywords)0x4;
        public const EventKeywords Maintenance = (EventKeywords)0x8;
        public const EventKeywords ThreadCache = (EventKeywords)0x10;
        public const EventKeywords Placement = (EventKeywords)0x20;
    }
}
