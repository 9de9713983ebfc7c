using System;
using System.Runtime.InteropServices;
using System.Threading;
using Numa.Platform.Interop;

namespace Numa.Platform;

/// <summary>The Windows OS layer: VirtualAlloc reservations, one node, no placement.</summary>
/// <remarks>
/// NUMA placement on Windows (VirtualAllocExNuma, processor groups) is not implemented: the
/// <c>Try</c> placement methods fail with ERROR_NOT_SUPPORTED and the topology has a single node.
/// </remarks>
internal sealed unsafe class WindowsOsMemory : OsMemory
{
    // VirtualAlloc places reservations on this granularity on every Windows version.
    private const nuint AllocationGranularity = 64 * 1024;

    // Another thread can take the hole between releasing the probe reservation and re-reserving the
    // aligned part of it; a few retries make that race practically irrelevant.
    private const int AlignedReserveAttempts = 16;

    // SetThreadAffinityMask takes one 64-bit group mask; higher CPUs live in other processor groups.
    private const int MaxMaskCpus = 64;

    public override nuint PageSize { get; } = (nuint)Environment.SystemPageSize;

    public override bool SupportsNuma => false;

    public override HugePageInfo HugePages => new("unsupported", 0, 0, 0);

    public override void* Reserve(nuint size, nuint alignment)
    {
        UnixMemory.ValidateReservation(size, alignment);
        if (alignment <= AllocationGranularity)
        {
            void* address = Kernel32.VirtualAlloc(null, size, Kernel32.MEM_RESERVE, Kernel32.PAGE_NOACCESS);
            if (address == null)
            {
                throw ReserveFailed(size, alignment, Marshal.GetLastPInvokeError());
            }

            return address;
        }

        // A reservation can only be released whole, so trimming as on Unix is impossible: probe for a
        // large enough hole, give it back, and reserve its aligned part.
        if (size > nuint.MaxValue - alignment)
        {
            throw new OutOfMemoryException($"Cannot reserve 0x{size:X} bytes aligned to 0x{alignment:X}: the size plus alignment exceeds the address space.");
        }

        int error = 0;
        for (int attempt = 0; attempt < AlignedReserveAttempts; attempt++)
        {
            void* probe = Kernel32.VirtualAlloc(null, size + alignment, Kernel32.MEM_RESERVE, Kernel32.PAGE_NOACCESS);
            if (probe == null)
            {
                throw ReserveFailed(size + alignment, alignment, Marshal.GetLastPInvokeError());
            }

            nuint aligned = ((nuint)probe + alignment - 1) & ~(alignment - 1);
            Kernel32.VirtualFree(probe, 0, Kernel32.MEM_RELEASE);
            void* address = Kernel32.VirtualAlloc((void*)aligned, size, Kernel32.MEM_RESERVE, Kernel32.PAGE_NOACCESS);
            if (address != null)
            {
                return address;
            }

            error = Marshal.GetLastPInvokeError();
        }

        throw ReserveFailed(size, alignment, error);
    }

    public override void Release(void* address, nuint size)
    {
        // MEM_RELEASE takes the reservation's base and a size of 0; the size is implied.
        if (Kernel32.VirtualFree(address, 0, Kernel32.MEM_RELEASE) == 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"VirtualFree(0x{(nuint)address:X}, 0, MEM_RELEASE) for 0x{size:X} bytes failed: {Errno.DescribeWin32(error)}.");
        }
    }

    public override void Commit(void* address, nuint size)
    {
        if (Kernel32.VirtualAlloc(address, size, Kernel32.MEM_COMMIT, Kernel32.PAGE_READWRITE) == null)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new OutOfMemoryException($"VirtualAlloc(0x{(nuint)address:X}, 0x{size:X}, MEM_COMMIT, PAGE_READWRITE) failed: {Errno.DescribeWin32(error)}.");
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// MEM_DECOMMIT followed at once by MEM_COMMIT: the physical pages go back to the OS and the range
    /// stays accessible, reading as demand-zero pages. MEM_RESET would keep the commit charge lower but
    /// does not promise zeros, which the contract does. The re-commit can fail where the commit limit
    /// is reached: the range is then decommitted, and the caller must commit it before use.
    /// </remarks>
    public override bool Decommit(void* address, nuint size)
    {
        if (Kernel32.VirtualFree(address, size, Kernel32.MEM_DECOMMIT) == 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"VirtualFree(0x{(nuint)address:X}, 0x{size:X}, MEM_DECOMMIT) failed: {Errno.DescribeWin32(error)}.");
        }

        return Kernel32.VirtualAlloc(address, size, Kernel32.MEM_COMMIT, Kernel32.PAGE_READWRITE) != null;
    }

    public override bool TryBindToNode(void* address, nuint size, int osNode, bool strict, out int error)
    {
        error = Kernel32.ERROR_NOT_SUPPORTED;
        return false;
    }

    public override bool TryInterleave(void* address, nuint size, ReadOnlySpan<int> osNodes, out int error)
    {
        error = Kernel32.ERROR_NOT_SUPPORTED;
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

        nodes.Slice(0, pages.Length).Fill(-Kernel32.ERROR_NOT_SUPPORTED);
    }

    public override bool TrySetCurrentThreadAffinity(ReadOnlySpan<int> cpus, out int error)
    {
        nuint mask = 0;
        foreach (int cpu in cpus)
        {
            if ((uint)cpu >= MaxMaskCpus || (uint)cpu >= (uint)(sizeof(nuint) * 8))
            {
                error = Kernel32.ERROR_INVALID_PARAMETER;
                return false;
            }

            mask |= (nuint)1 << cpu;
        }

        if (mask == 0)
        {
            error = Kernel32.ERROR_INVALID_PARAMETER;
            return false;
        }

        if (Kernel32.SetThreadAffinityMask(Kernel32.GetCurrentThread(), mask) == 0)
        {
            error = Marshal.GetLastPInvokeError();
            return false;
        }

        error = 0;
        return true;
    }

    public override (int Cpu, int Node) GetCurrentCpuAndNode() => (Thread.GetCurrentProcessorId(), 0);

    /// <inheritdoc />
    /// <remarks>Not measured on Windows (QueryWorkingSetEx would be needed); always -1.</remarks>
    public override long GetResidentBytes(void* address, nuint size) => -1;

    /// <inheritdoc />
    /// <remarks>Not measured on Windows; always -1.</remarks>
    public override long FindResidentSuffix(void* address, nuint size, nuint residentBytes) => -1;

    private static OutOfMemoryException ReserveFailed(nuint size, nuint alignment, int error) =>
        new($"VirtualAlloc(NULL, 0x{size:X}, MEM_RESERVE, PAGE_NOACCESS) aligned to 0x{alignment:X} failed: {Errno.DescribeWin32(error)}.");
}
