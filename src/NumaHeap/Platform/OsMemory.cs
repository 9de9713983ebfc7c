using System;

namespace Numa.Platform;

/// <summary>
/// The operating-system services the heap needs: address-space reservation, commit and decommit,
/// NUMA memory policy, placement queries and thread affinity. One instance serves a heap; tests
/// substitute a fault-injecting subclass.
/// </summary>
/// <remarks>
/// Every failure that the caller cannot absorb becomes a .NET exception whose message names the call
/// and the errno (or Win32 error); nothing returns a silent null. The <c>Try</c> methods report
/// failure with <see langword="false"/> because their callers degrade gracefully (placement is
/// advisory: memory stays usable when binding fails).
/// </remarks>
internal abstract unsafe class OsMemory
{
    /// <summary>The instance for the running OS.</summary>
    public static OsMemory Default { get; } = Create();

    /// <summary>The OS page size in bytes (4096 on x64 Linux).</summary>
    public abstract nuint PageSize { get; }

    /// <summary>True when the NUMA syscalls (mbind, get_mempolicy, move_pages) are available.</summary>
    public abstract bool SupportsNuma { get; }

    /// <summary>What the OS offers in huge pages.</summary>
    public abstract HugePageInfo HugePages { get; }

    /// <summary>Reserves <paramref name="size"/> bytes of address space, aligned to <paramref name="alignment"/> (a power of two), inaccessible and not charged.</summary>
    /// <exception cref="OutOfMemoryException">The reservation failed; the message holds the errno.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is 0.</exception>
    /// <exception cref="ArgumentException"><paramref name="alignment"/> is not a power of two.</exception>
    public abstract void* Reserve(nuint size, nuint alignment);

    /// <summary>Returns a reservation made by <see cref="Reserve"/> to the OS.</summary>
    /// <exception cref="InvalidOperationException">The OS refused (the range is not one it can unmap); the message holds the errno.</exception>
    public abstract void Release(void* address, nuint size);

    /// <summary>Makes reserved pages readable and writable. Fresh pages read as zero.</summary>
    /// <exception cref="OutOfMemoryException">The OS refused (e.g. strict overcommit); the message holds the errno.</exception>
    public abstract void Commit(void* address, nuint size);

    /// <summary>
    /// <see cref="Reserve"/> then <see cref="Commit"/> of <paramref name="size"/> bytes aligned to the OS
    /// page, for metadata that is used from the start; the OS gives it physical pages as they are touched.
    /// </summary>
    /// <exception cref="OutOfMemoryException">The OS refused either step; nothing stays reserved.</exception>
    public void* ReserveCommitted(nuint size)
    {
        void* address = Reserve(size, PageSize);
        try
        {
            Commit(address, size);
        }
        catch
        {
            Release(address, size);
            throw;
        }

        return address;
    }

    /// <summary>Gives the physical pages back (<c>MADV_DONTNEED</c>); the range stays accessible and reads as zero afterwards.</summary>
    /// <returns>
    /// True when the range is accessible; false when the pages went back but the range could not be
    /// made accessible again (Windows refusing MEM_COMMIT after MEM_DECOMMIT): it is then reserved
    /// only, and a <see cref="Commit"/> makes it usable, reading as zero.
    /// </returns>
    /// <exception cref="InvalidOperationException">The OS refused; the range is as it was. The message holds the errno.</exception>
    public abstract bool Decommit(void* address, nuint size);

    /// <summary>Binds a range to one OS node (<c>mbind</c>); <paramref name="strict"/> selects MPOL_BIND over MPOL_PREFERRED.</summary>
    /// <returns>False, with <paramref name="error"/> set, when the OS refused or has no NUMA support.</returns>
    public abstract bool TryBindToNode(void* address, nuint size, int osNode, bool strict, out int error);

    /// <summary>Interleaves a range's pages over the given OS nodes (<c>MPOL_INTERLEAVE</c>).</summary>
    /// <returns>False, with <paramref name="error"/> set, when the OS refused or has no NUMA support.</returns>
    public abstract bool TryInterleave(void* address, nuint size, ReadOnlySpan<int> osNodes, out int error);

    /// <summary>Asks for transparent huge pages on a range (<c>MADV_HUGEPAGE</c>), or against them when <paramref name="enable"/> is false.</summary>
    public abstract bool TryAdviseHugePages(void* address, nuint size, bool enable);

    /// <summary>The OS node that holds each page (<c>move_pages</c> with a null node list): a node number, or a negative errno (e.g. -ENOENT for a page not yet faulted in).</summary>
    public abstract void QueryPageNodes(ReadOnlySpan<nint> pages, Span<int> nodes);

    /// <summary>
    /// Moves resident pages to an OS node (<c>move_pages</c> with <c>MPOL_MF_MOVE</c>); each status is
    /// the page's node afterwards or a negative errno (e.g. -ENOENT for a page not faulted in).
    /// </summary>
    /// <returns>False where the OS cannot move pages; the statuses are then undefined.</returns>
    public virtual bool TryMovePages(ReadOnlySpan<nint> pages, int osNode, Span<int> status) => false;

    /// <summary>Pins the calling thread to the given CPUs (<c>sched_setaffinity</c>).</summary>
    /// <returns>False, with <paramref name="error"/> set, when the OS refused.</returns>
    public abstract bool TrySetCurrentThreadAffinity(ReadOnlySpan<int> cpus, out int error);

    /// <summary>The CPU and OS node the calling thread runs on now (<c>getcpu</c>); node is 0 where unknown.</summary>
    public abstract (int Cpu, int Node) GetCurrentCpuAndNode();

    /// <summary>How many bytes of the range are resident in physical memory (<c>mincore</c>); -1 where unknown.</summary>
    public abstract long GetResidentBytes(void* address, nuint size);

    /// <summary>
    /// The offset of the highest page of a page-aligned range from which the rest of it holds at least
    /// <paramref name="residentBytes"/> resident bytes (0 when the whole range holds fewer), found with
    /// <c>mincore</c> from the end; -1 where unknown.
    /// </summary>
    public abstract long FindResidentSuffix(void* address, nuint size, nuint residentBytes);

    private static OsMemory Create()
    {
        if (OperatingSystem.IsLinux())
        {
            return new LinuxOsMemory();
        }

        if (OperatingSystem.IsWindows())
        {
            return new WindowsOsMemory();
        }

        return new PortableOsMemory();
    }
}
