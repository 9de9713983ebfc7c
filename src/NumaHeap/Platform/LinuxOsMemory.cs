using System;
using System.Runtime.InteropServices;
using System.Threading;
using Numa.Platform.Interop;

namespace Numa.Platform;

/// <summary>The Linux OS layer: mmap for address space, mbind and move_pages for NUMA placement, without libnuma.</summary>
/// <remarks>
/// The <c>Try</c> methods report Linux errno values in their <c>error</c> argument, <see cref="Errno.ENOSYS"/>
/// when the kernel (or the architecture's unknown syscall numbers) gives no NUMA support.
/// </remarks>
internal sealed unsafe class LinuxOsMemory : OsMemory
{
    /// <summary>The highest OS node number + 1 that a node mask can name.</summary>
    /// <remarks>1024 is the kernel's largest MAX_NUMNODES (CONFIG_NODES_SHIFT = 10).</remarks>
    public const int MaxNodes = 1024;

    // glibc's cpu_set_t holds 1024 CPUs; a larger mask is built when a caller names a higher CPU.
    private const int MinCpuSetBits = 1024;

    private const string ReserveFlagNames = "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE";

    private readonly Lazy<HugePageInfo> _hugePages = new(HugePageInfoReader.ReadSystem);

    public LinuxOsMemory()
    {
        PageSize = (nuint)Environment.SystemPageSize;
        SupportsNuma = ProbeNuma();
    }

    public override nuint PageSize { get; }

    public override bool SupportsNuma { get; }

    public override HugePageInfo HugePages => _hugePages.Value;

    /// <inheritdoc />
    /// <remarks>
    /// <c>MAP_NORESERVE</c> keeps the reservation out of the overcommit accounting; <see cref="Commit"/>
    /// is where the kernel charges (and, under strict overcommit, refuses) memory. The reservation is
    /// also marked <c>MADV_DONTDUMP</c> and each committed range <c>MADV_DODUMP</c> (as the .NET GC does):
    /// a core dump of a crashing process then holds the heap's memory but not hundreds of GiB of
    /// reserved address space, which would take minutes to write and fill the disk.
    /// </remarks>
    public override void* Reserve(nuint size, nuint alignment)
    {
        void* reservation = UnixMemory.Reserve(size, alignment, PageSize, Libc.MAP_PRIVATE | LinuxKernel.MAP_ANONYMOUS | LinuxKernel.MAP_NORESERVE, ReserveFlagNames);

        // Best effort: a kernel without the advice only loses the smaller core dump.
        _ = Libc.Madvise(reservation, (size + PageSize - 1) & ~(PageSize - 1), LinuxKernel.MADV_DONTDUMP);
        return reservation;
    }

    public override void Release(void* address, nuint size) => UnixMemory.Release(address, size);

    public override void Commit(void* address, nuint size)
    {
        UnixMemory.Commit(address, size);
        _ = Libc.Madvise(address, size, LinuxKernel.MADV_DODUMP);
    }

    public override bool Decommit(void* address, nuint size)
    {
        // MADV_DONTNEED, not MADV_FREE: the contract promises zeros on the next read, and MADV_FREE
        // lets the old contents survive until the kernel is short of memory.
        if (Libc.Madvise(address, size, Libc.MADV_DONTNEED) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"madvise(0x{(nuint)address:X}, 0x{size:X}, MADV_DONTNEED) failed: {Errno.Describe(errno)}.");
        }

        return true;
    }

    /// <inheritdoc />
    /// <remarks>
    /// No <c>MPOL_MF_MOVE</c>: the policy governs pages faulted in from now on, which is when the heap
    /// binds (fresh or decommitted ranges); migrating resident pages would stall the caller.
    /// </remarks>
    public override bool TryBindToNode(void* address, nuint size, int osNode, bool strict, out int error)
    {
        if (!SupportsNuma)
        {
            error = Errno.ENOSYS;
            return false;
        }

        if ((uint)osNode >= MaxNodes)
        {
            error = Errno.EINVAL;
            return false;
        }

        ulong* mask = stackalloc ulong[MaxNodes / 64];
        new Span<ulong>(mask, MaxNodes / 64).Clear();
        mask[osNode >> 6] |= 1UL << (osNode & 63);
        return TryMbind(address, size, strict ? LinuxKernel.MPOL_BIND : LinuxKernel.MPOL_PREFERRED, mask, out error);
    }

    public override bool TryInterleave(void* address, nuint size, ReadOnlySpan<int> osNodes, out int error)
    {
        if (!SupportsNuma)
        {
            error = Errno.ENOSYS;
            return false;
        }

        if (osNodes.IsEmpty)
        {
            error = Errno.EINVAL;
            return false;
        }

        ulong* mask = stackalloc ulong[MaxNodes / 64];
        new Span<ulong>(mask, MaxNodes / 64).Clear();

        foreach (int osNode in osNodes)
        {
            if ((uint)osNode >= MaxNodes)
            {
                error = Errno.EINVAL;
                return false;
            }

            mask[osNode >> 6] |= 1UL << (osNode & 63);
        }

        return TryMbind(address, size, LinuxKernel.MPOL_INTERLEAVE, mask, out error);
    }

    public override bool TryAdviseHugePages(void* address, nuint size, bool enable) =>
        Libc.Madvise(address, size, enable ? LinuxKernel.MADV_HUGEPAGE : LinuxKernel.MADV_NOHUGEPAGE) == 0;

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="nodes"/> is shorter than <paramref name="pages"/>.</exception>
    public override void QueryPageNodes(ReadOnlySpan<nint> pages, Span<int> nodes)
    {
        if (nodes.Length < pages.Length)
        {
            throw new ArgumentException($"The node span holds {nodes.Length} entries for {pages.Length} pages.", nameof(nodes));
        }

        if (pages.IsEmpty)
        {
            return;
        }

        fixed (nint* pagePointers = pages)
        fixed (int* status = nodes)
        {
            // A null node list makes move_pages a pure query: each status is the page's node or -errno.
            if (LinuxKernel.MovePages(0, (nuint)pages.Length, (void**)pagePointers, null, status, 0) < 0)
            {
                nodes.Slice(0, pages.Length).Fill(-Marshal.GetLastPInvokeError());
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="status"/> is shorter than <paramref name="pages"/>.</exception>
    public override bool TryMovePages(ReadOnlySpan<nint> pages, int osNode, Span<int> status)
    {
        if (status.Length < pages.Length)
        {
            throw new ArgumentException($"The status span holds {status.Length} entries for {pages.Length} pages.", nameof(status));
        }

        if (!SupportsNuma || (uint)osNode >= MaxNodes)
        {
            return false;
        }

        if (pages.IsEmpty)
        {
            return true;
        }

        int[] nodes = new int[pages.Length];
        Array.Fill(nodes, osNode);
        fixed (nint* pagePointers = pages)
        fixed (int* nodePointer = nodes)
        fixed (int* statusPointer = status)
        {
            // A positive result counts pages the kernel could not move; their statuses say why.
            return LinuxKernel.MovePages(0, (nuint)pages.Length, (void**)pagePointers, nodePointer, statusPointer, LinuxKernel.MPOL_MF_MOVE) >= 0;
        }
    }

    public override bool TrySetCurrentThreadAffinity(ReadOnlySpan<int> cpus, out int error)
    {
        if (cpus.IsEmpty)
        {
            error = Errno.EINVAL;
            return false;
        }

        int highest = 0;
        foreach (int cpu in cpus)
        {
            if (cpu < 0)
            {
                error = Errno.EINVAL;
                return false;
            }

            highest = Math.Max(highest, cpu);
        }

        int words = (Math.Max(MinCpuSetBits, highest + 1) + 63) / 64;
        Span<ulong> mask = words <= MinCpuSetBits / 64 ? stackalloc ulong[MinCpuSetBits / 64] : new ulong[words];
        mask.Clear();
        foreach (int cpu in cpus)
        {
            mask[cpu >> 6] |= 1UL << (cpu & 63);
        }

        fixed (ulong* maskPointer = mask)
        {
            // pid 0 is the calling thread, not the whole process.
            if (Libc.SchedSetAffinity(0, (nuint)(mask.Length * sizeof(ulong)), maskPointer) != 0)
            {
                error = Marshal.GetLastPInvokeError();
                return false;
            }
        }

        error = 0;
        return true;
    }

    public override (int Cpu, int Node) GetCurrentCpuAndNode()
    {
        uint cpu;
        uint node;
        if (LinuxKernel.GetCpu(&cpu, &node) == 0)
        {
            return ((int)cpu, (int)node);
        }

        return (Thread.GetCurrentProcessorId(), 0);
    }

    public override long GetResidentBytes(void* address, nuint size) => UnixMemory.GetResidentBytes(address, size, PageSize);

    public override long FindResidentSuffix(void* address, nuint size, nuint residentBytes) => UnixMemory.FindResidentSuffix(address, size, residentBytes, PageSize);

    private static bool ProbeNuma()
    {
        // Asking for the calling thread's policy changes nothing; it fails with ENOSYS on kernels built
        // without CONFIG_NUMA and with EPERM where a seccomp filter (a container's default) forbids the
        // NUMA calls, and in both cases mbind would fail the same way.
        int mode;
        return LinuxKernel.HasNumaSyscalls && LinuxKernel.GetMempolicy(&mode, null, 0, null, 0) == 0;
    }

    private static bool TryMbind(void* address, nuint size, int mode, ulong* mask, out int error)
    {
        // The kernel reads maxnode - 1 bits of the mask (a historical off-by-one that libnuma also
        // compensates for), so pass one more than the bits the mask holds.
        if (LinuxKernel.Mbind(address, size, mode, mask, MaxNodes + 1, 0) != 0)
        {
            error = Marshal.GetLastPInvokeError();
            return false;
        }

        error = 0;
        return true;
    }
}
