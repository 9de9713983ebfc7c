using System;
using System.Runtime.InteropServices;
using System.Threading;
using Numa.Platform.Interop;

namespace Numa.Platform;

/// <summary>
/// The OS layer for Unix-like systems other than Linux (macOS, the BSDs, Android): mmap for
/// address space, no NUMA placement, one node.
/// </summary>
/// <remarks>
/// The <c>Try</c> placement methods fail with <see cref="NotSupportedError"/>, the platform's ENOSYS.
/// </remarks>
internal sealed unsafe class PortableOsMemory : OsMemory
{
    private readonly int _mapAnonymous;

    public PortableOsMemory()
    {
        PageSize = (nuint)Environment.SystemPageSize;

        // MAP_ANON and ENOSYS are the two values that differ between the families this class serves.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsAndroid())
        {
            _mapAnonymous = LinuxKernel.MAP_ANONYMOUS;
            NotSupportedError = Errno.ENOSYS;
        }
        else
        {
            // macOS, iOS and the BSDs share the 4.4BSD values.
            _mapAnonymous = 0x1000;
            NotSupportedError = 78;
        }
    }

    public override nuint PageSize { get; }

    public override bool SupportsNuma => false;

    public override HugePageInfo HugePages => new("unsupported", 0, 0, 0);

    /// <summary>The platform's ENOSYS, reported by every NUMA call.</summary>
    public int NotSupportedError { get; }

    public override void* Reserve(nuint size, nuint alignment) =>
        UnixMemory.Reserve(size, alignment, PageSize, Libc.MAP_PRIVATE | _mapAnonymous, "MAP_PRIVATE|MAP_ANON");

    public override void Release(void* address, nuint size) => UnixMemory.Release(address, size);

    public override void Commit(void* address, nuint size) => UnixMemory.Commit(address, size);

    public override bool Decommit(void* address, nuint size)
    {
        // Outside Linux, MADV_DONTNEED and MADV_FREE may leave the old contents in place. Mapping fresh
        // anonymous memory over the range with MAP_FIXED drops the pages and guarantees zeros, in one
        // call that never leaves the range unmapped.
        void* result = Libc.Mmap(address, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_FIXED | _mapAnonymous, -1, 0);
        if (result == Libc.MapFailed)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException(
                $"mmap(0x{(nuint)address:X}, 0x{size:X}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANON) decommitting failed: {Errno.Describe(errno)}.");
        }

        return true;
    }

    public override bool TryBindToNode(void* address, nuint size, int osNode, bool strict, out int error)
    {
        error = NotSupportedError;
        return false;
    }

    public override bool TryInterleave(void* address, nuint size, ReadOnlySpan<int> osNodes, out int error)
    {
        error = NotSupportedError;
        return false;
    }

    public override bool TryAdviseHugePages(void* address, nuint size, bool enable) => false;

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="nodes"/> is shorter than <paramref name="pages"/>.</exception>
    public override void QueryPageNodes(ReadOnlySpan<nint> pages, Span<int> nodes)
    {
        if (nodes.Length < pages.Length)
        {
            throw new ArgumentException($"The node span holds {nodes.Length} entries for {pages.Length} pages.", nameof(nodes));
        }

        nodes.Slice(0, pages.Length).Fill(-NotSupportedError);
    }

    public override bool TrySetCurrentThreadAffinity(ReadOnlySpan<int> cpus, out int error)
    {
        // macOS has only affinity hints and the BSDs spell the call differently; pinning is advisory
        // for the heap, so these systems simply run unpinned.
        error = NotSupportedError;
        return false;
    }

    public override (int Cpu, int Node) GetCurrentCpuAndNode() => (Thread.GetCurrentProcessorId(), 0);

    public override long GetResidentBytes(void* address, nuint size) => UnixMemory.GetResidentBytes(address, size, PageSize);

    public override long FindResidentSuffix(void* address, nuint size, nuint residentBytes) => UnixMemory.FindResidentSuffix(address, size, residentBytes, PageSize);
}
