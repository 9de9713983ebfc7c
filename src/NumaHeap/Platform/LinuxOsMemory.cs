using System;
using System.Runtime.InteropServices;

namespace Numa.Platform;

/// <summary>Temporary minimal Linux layer.</summary>
internal sealed unsafe partial class LinuxOsMemory : OsMemory
{
    public override nuint PageSize => 4096;
    public override bool SupportsNuma => false;
    public override HugePageInfo HugePages => new("never", 0, 0, 0);

    public override void* Reserve(nuint size, nuint alignment)
    {
        void* p = mmap(null, size + alignment, 0, 0x02 | 0x20 | 0x4000, -1, 0);
        if ((nint)p == -1) throw new OutOfMemoryException($"mmap failed errno {Marshal.GetLastPInvokeError()}");
        nuint a = ((nuint)p + alignment - 1) & ~(alignment - 1);
        if (a > (nuint)p) munmap(p, a - (nuint)p);
        nuint end = (nuint)p + size + alignment;
        if (end > a + size) munmap((void*)(a + size), end - (a + size));
        return (void*)a;
    }

    public override void Release(void* address, nuint size) => munmap(address, size);

    public override void Commit(void* address, nuint size)
    {
        if (mprotect(address, size, 3) != 0) throw new OutOfMemoryException($"mprotect failed errno {Marshal.GetLastPInvokeError()}");
    }

    public override void Decommit(void* address, nuint size)
    {
        if (madvise(address, size, 4) != 0) throw new InvalidOperationException($"madvise failed errno {Marshal.GetLastPInvokeError()}");
    }

    public override bool TryBindToNode(void* address, nuint size, int osNode, bool strict, out int error) { error = 0; return true; }
    public override bool TryInterleave(void* address, nuint size, ReadOnlySpan<int> osNodes, out int error) { error = 0; return true; }
    public override bool TryAdviseHugePages(void* address, nuint size, bool enable) => false;
    public override void QueryPageNodes(ReadOnlySpan<nint> pages, Span<int> nodes) => nodes.Clear();
    public override bool TrySetCurrentThreadAffinity(ReadOnlySpan<int> cpus, out int error) { error = 0; return true; }
    public override (int Cpu, int Node) GetCurrentCpuAndNode() => (0, 0);
    public override long GetResidentBytes(void* address, nuint size) => -1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(void* addr, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(void* addr, nuint length, int prot);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(void* addr, nuint length, int advice);
}
