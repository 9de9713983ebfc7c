using System;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Tracing;

namespace Numa;

/// <summary>Cold throw paths, kept out of the callers so that the hot paths stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowOutOfMemory(string message)
    {
        if (NumaHeapEventSource.Log.IsEnabled(EventLevel.Error, NumaHeapEventSource.Keywords.OutOfMemory))
        {
            NumaHeapEventSource.Log.OutOfMemory(message);
        }

        throw new OutOfMemoryException(message);
    }

    [DoesNotReturn]
    public static void ThrowAlignmentNotPowerOfTwo() =>
        throw new ArgumentException("The alignment must be a power of two.", "alignment");

    [DoesNotReturn]
    public static unsafe void ThrowForeignPointer(void* ptr) =>
        throw new ArgumentException(Misuse("foreign pointer", ptr, $"The pointer 0x{(nint)ptr:X} was not allocated by NumaHeap (foreign pointer)."), "ptr");

    [DoesNotReturn]
    public static unsafe void ThrowInteriorPointer(void* ptr, nuint blockStart) =>
        throw new ArgumentException(Misuse("interior pointer", ptr, $"The pointer 0x{(nint)ptr:X} points inside the NumaHeap block at 0x{blockStart:X}, not at its start (interior pointer)."), "ptr");

    [DoesNotReturn]
    public static unsafe void ThrowNotAllocated(void* ptr) =>
        throw new InvalidOperationException(Misuse("not allocated", ptr, $"The pointer 0x{(nint)ptr:X} is not an allocated NumaHeap block: it was already freed (double free or use after free)."));

    [DoesNotReturn]
    public static unsafe void ThrowResizedConcurrently(void* ptr, nuint expectedBytes, nuint actualBytes) =>
        throw new InvalidOperationException(Misuse("concurrent resize", ptr, $"The NumaHeap block at 0x{(nint)ptr:X} was {expectedBytes} bytes when the call began and is {actualBytes} bytes now: another thread resized it at the same time."));

    [DoesNotReturn]
    public static unsafe void ThrowDoubleFree(void* ptr) =>
        throw new InvalidOperationException(Misuse("double free", ptr, $"Double free of the NumaHeap block at 0x{(nint)ptr:X}."));

    [DoesNotReturn]
    public static unsafe void ThrowFreeListHead(void* ptr) =>
        throw new InvalidOperationException(Misuse("double free", ptr, $"The pointer 0x{(nint)ptr:X} is not an allocated NumaHeap block: it is already free, at the head of this thread's free list of its size class (a double free, or a block the heap never handed out)."));

    [DoesNotReturn]
    public static unsafe void ThrowCorruption(void* ptr, string problem) =>
        throw new InvalidOperationException(Misuse("corruption", ptr, $"Heap corruption detected at the NumaHeap block 0x{(nint)ptr:X}: {problem}."));

    [DoesNotReturn]
    public static void ThrowDefaultHeapUnavailable(Exception cause) =>
        throw (cause is OutOfMemoryException
            ? new OutOfMemoryException($"The process-wide NumaHeap could not be created: {cause.Message}", cause)
            : new InvalidOperationException($"The process-wide NumaHeap is not available: {cause.Message}", cause));

    [DoesNotReturn]
    public static void ThrowDefaultThreadAllocator() =>
        throw new InvalidOperationException("This NumaThreadAllocator is a default value: take one with NumaHeap.GetThreadAllocator() on the thread that uses it.");

    [DoesNotReturn]
    public static void ThrowNodeOutOfRange(int node, int nodeCount) =>
        throw new ArgumentOutOfRangeException(nameof(node), node, $"The node must be from 0 to {nodeCount - 1}; this machine has {nodeCount} NUMA node(s).");

    // The message of a pointer misuse, reported to the event source on its way to the exception.
    private static unsafe string Misuse(string kind, void* ptr, string message)
    {
        NumaHeapEventSource.Log.ReportMisuse(kind, ptr, message);
        return message;
    }
}
