using System.Runtime.InteropServices;

namespace Numa.Tests.Contract;

/// <summary>The reference: <see cref="NativeMemory"/> (glibc malloc on Linux).</summary>
public sealed unsafe class SystemNativeMemoryAllocator : ContractAllocator
{
    public override string Name => "NativeMemory";

    public override bool IsNumaHeap => false;

    public override void* Alloc(nuint byteCount) => NativeMemory.Alloc(byteCount);

    public override void* Alloc(nuint elementCount, nuint elementSize) => NativeMemory.Alloc(elementCount, elementSize);

    public override void* AllocZeroed(nuint byteCount) => NativeMemory.AllocZeroed(byteCount);

    public override void* AllocZeroed(nuint elementCount, nuint elementSize) => NativeMemory.AllocZeroed(elementCount, elementSize);

    public override void* Realloc(void* ptr, nuint byteCount) => NativeMemory.Realloc(ptr, byteCount);

    public override void Free(void* ptr) => NativeMemory.Free(ptr);

    public override void* AlignedAlloc(nuint byteCount, nuint alignment) => NativeMemory.AlignedAlloc(byteCount, alignment);

    public override void* AlignedRealloc(void* ptr, nuint byteCount, nuint alignment) => NativeMemory.AlignedRealloc(ptr, byteCount, alignment);

    public override void AlignedFree(void* ptr) => NativeMemory.AlignedFree(ptr);

    public override nuint GetUsableSize(void* ptr, nuint requested) => requested;
}
