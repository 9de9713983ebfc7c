using System;

namespace Numa.Platform;

/// <summary>Placeholder; implemented by the platform layer.</summary>
internal sealed unsafe class WindowsOsMemory : OsMemory
{
    public override nuint PageSize => 4096;
    public override bool SupportsNuma => false;
    public override HugePageInfo HugePages => default;
    public override void* Reserve(nuint size, nuint alignment) => throw new NotImplementedException();
    public override void Release(void* address, nuint size) => throw new NotImplementedException();
    public override void Commit(void* address, nuint size) => throw new NotImplementedException();
    public override void Decommit(void* address, nuint size) => throw new NotImplementedException();
    public override bool TryBindToNode(void* address, nuint size, int osNode, bool strict, out int error) => throw new NotImplementedException();
    public override bool TryInterleave(void* address, nuint size, ReadOnlySpan<int> osNodes, out int error) => throw new NotImplementedException();
    public override bool TryAdviseHugePages(void* address, nuint size, bool enable) => throw new NotImplementedException();
    public override void QueryPageNodes(ReadOnlySpan<nint> pages, Span<int> nodes) => throw new NotImplementedException();
    public override bool TrySetCurrentThreadAffinity(ReadOnlySpan<int> cpus, out int error) => throw new NotImplementedException();
    public override (int Cpu, int Node) GetCurrentCpuAndNode() => throw new NotImplementedException();
    public override long GetResidentBytes(void* address, nuint size) => throw new NotImplementedException();
}
