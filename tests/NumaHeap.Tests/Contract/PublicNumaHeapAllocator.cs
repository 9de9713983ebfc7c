namespace Numa.Tests.Contract;

/// <summary>The public, process-wide <see cref="NumaHeap"/>.</summary>
public sealed unsafe class PublicNumaHeapAllocator : ContractAllocator
{
    public override string Name => "NumaHeap";

    public override bool IsNumaHeap => true;

    public override void* Alloc(nuint byteCount) => NumaHeap.Alloc(byteCount);

    public override void* Alloc(nuint elementCount, nuint elementSize) => NumaHeap.Alloc(elementCount, elementSize);

    public override void* AllocZeroed(nuint byteCount) => NumaHeap.AllocZeroed(byteCount);

    public override void* AllocZeroed(nuint elementCount, nuint elementSize) => NumaHeap.AllocZeroed(elementCount, elementSize);

    public override void* Realloc(void* ptr, nuint byteCount) => NumaHeap.Realloc(ptr, byteCount);

    public override void Free(void* ptr) => NumaHeap.Free(ptr);

    public override void* AlignedAlloc(nuint byteCount, nuint alignment) => NumaHeap.AlignedAlloc(byteCount, alignment);

    public override void* AlignedRealloc(void* ptr, nuint byteCount, nuint alignment) => NumaHeap.AlignedRealloc(ptr, byteCount, alignment);

    public override void AlignedFree(void* ptr) => NumaHeap.AlignedFree(ptr);

    public override nuint GetUsableSize(void* ptr, nuint requested) => NumaHeap.GetUsableSize(ptr);
}
