using Numa.Tests.Engine;

namespace Numa.Tests.Contract;

/// <summary>A private <see cref="Heap"/> (two simulated nodes, the creating thread bound to node 0, checks on or off) that the test owns alone.</summary>
public sealed unsafe class PrivateHeapAllocator : ContractAllocator
{
    private readonly Heap _heap;

    public PrivateHeapAllocator(bool checks)
    {
        _heap = TestHeaps.Create(simulatedNodes: 2, checks: checks, regionShift: 31);

        // An unbound thread allocates on the node of the CPU it runs on, which changes as the OS moves it;
        // bound, a freed block's address is the one the next request of its size gets back.
        _heap.BindCurrentThread(0);
        Name = checks ? "Heap(checks)" : "Heap";
    }

    public override string Name { get; }

    public override bool IsNumaHeap => true;

    internal Heap Heap => _heap;

    public override void* Alloc(nuint byteCount) => _heap.Alloc(byteCount);

    public override void* Alloc(nuint elementCount, nuint elementSize) => _heap.Alloc(Heap.GetByteCount(elementCount, elementSize));

    public override void* AllocZeroed(nuint byteCount) => _heap.AllocZeroed(byteCount);

    public override void* AllocZeroed(nuint elementCount, nuint elementSize) => _heap.AllocZeroed(Heap.GetByteCount(elementCount, elementSize));

    public override void* Realloc(void* ptr, nuint byteCount) => _heap.Realloc(ptr, byteCount);

    public override void Free(void* ptr) => _heap.Free(ptr);

    public override void* AlignedAlloc(nuint byteCount, nuint alignment) => _heap.AlignedAlloc(byteCount, alignment);

    public override void* AlignedRealloc(void* ptr, nuint byteCount, nuint alignment) => _heap.AlignedRealloc(ptr, byteCount, alignment);

    public override void AlignedFree(void* ptr) => _heap.Free(ptr);

    public override nuint GetUsableSize(void* ptr, nuint requested) => _heap.GetUsableSize(ptr);

    public override void Validate() => _heap.Validate();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _heap.Dispose();
        }
    }
}
