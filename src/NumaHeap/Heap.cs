using System;
using Numa.Configuration;
using Numa.Platform;

namespace Numa;

/// <summary>Temporary engine skeleton; replaced by the real engine.</summary>
internal sealed unsafe class Heap
{
    public static Heap Default { get; } = new(HeapOptions.FromEnvironment());

    public Heap(HeapOptions options) { Options = options; Topology = null!; }

    public HeapOptions Options { get; }
    public NumaTopology Topology { get; }
    public int CurrentNode => 0;

    public static nuint GetByteCount(nuint elementCount, nuint elementSize) => throw new NotImplementedException();
    public void* Alloc(nuint byteCount) => throw new NotImplementedException();
    public void* AllocZeroed(nuint byteCount) => throw new NotImplementedException();
    public void* Realloc(void* ptr, nuint byteCount) => throw new NotImplementedException();
    public void Free(void* ptr) => throw new NotImplementedException();
    public void* AlignedAlloc(nuint byteCount, nuint alignment) => throw new NotImplementedException();
    public void* AlignedRealloc(void* ptr, nuint byteCount, nuint alignment) => throw new NotImplementedException();
    public void* Allocate(nuint byteCount, NumaPlacement placement) => throw new NotImplementedException();
    public int GetNode(void* ptr) => throw new NotImplementedException();
    public nuint GetUsableSize(void* ptr) => throw new NotImplementedException();
    public void BindCurrentThread(int node) => throw new NotImplementedException();
    public NumaHeapStatistics GetStatistics() => throw new NotImplementedException();
    public void Trim() => throw new NotImplementedException();
    public void Validate() => throw new NotImplementedException();
}
