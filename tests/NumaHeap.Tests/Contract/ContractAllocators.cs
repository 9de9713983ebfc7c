using System;
using Xunit;

namespace Numa.Tests.Contract;

/// <summary>The allocators every contract test runs against, by name (theory data must be serializable).</summary>
public static class ContractAllocators
{
    public const string NativeMemory = "NativeMemory";
    public const string NumaHeap = "NumaHeap";
    public const string PrivateHeap = "Heap";
    public const string CheckedHeap = "Heap(checks)";

    /// <summary>The names of every allocator, NativeMemory first.</summary>
    public static readonly string[] Names = [NativeMemory, NumaHeap, PrivateHeap, CheckedHeap];

    /// <summary>NativeMemory, the public NumaHeap, and private heaps with checks off and on.</summary>
    public static TheoryData<string> All => new(Names);

    /// <summary>The NumaHeap flavours only (for what NativeMemory does not offer or cannot promise).</summary>
    public static TheoryData<string> NumaHeaps => new() { NumaHeap, PrivateHeap, CheckedHeap };

    public static ContractAllocator Create(string name) => name switch
    {
        NativeMemory => new SystemNativeMemoryAllocator(),
        NumaHeap => new PublicNumaHeapAllocator(),
        PrivateHeap => new PrivateHeapAllocator(checks: false),
        CheckedHeap => new PrivateHeapAllocator(checks: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown allocator."),
    };
}
