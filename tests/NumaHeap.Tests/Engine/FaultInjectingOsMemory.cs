using System;
using System.Collections.Generic;
using System.Threading;
using Numa.Platform;
using Numa.Platform.Interop;

namespace Numa.Tests.Engine;

/// <summary>The real OS layer, with chosen calls made to fail: commit (ENOMEM), decommit, the re-commit after a decommit, binding, residency queries.</summary>
internal sealed unsafe class FaultInjectingOsMemory : OsMemory
{
    private readonly OsMemory _inner = OsMemory.Default;
    private int _failCommits;
    private int _failDecommits;
    private int _failRecommits;
    private int _commitsBeforeFailure = -1;
    private long _reservedBytes;

    // OS pages a failed re-commit left inaccessible, until a commit covers them.
    private readonly HashSet<nuint> _inaccessiblePages = [];

    /// <summary>Make the next <paramref name="count"/> commits fail as the OS does under strict overcommit.</summary>
    public void FailNextCommits(int count) => Volatile.Write(ref _failCommits, count);

    /// <summary>Let <paramref name="successes"/> commits through, then make the next one fail (-1: none).</summary>
    public void FailCommitAfter(int successes) => Volatile.Write(ref _commitsBeforeFailure, successes);

    /// <summary>
    /// An address-space limit, as <c>ulimit -v</c> sets one: a reservation that would take the bytes
    /// reserved through this layer past it fails with ENOMEM, counting the alignment slack the real
    /// layer maps for a moment (0: no limit).
    /// </summary>
    public long ReserveLimitBytes { get; init; }

    /// <summary>Bytes reserved through this layer and not yet released.</summary>
    public long ReservedBytes => Interlocked.Read(ref _reservedBytes);

    /// <summary>Make the next <paramref name="count"/> decommits fail.</summary>
    public void FailNextDecommits(int count) => Volatile.Write(ref _failDecommits, count);

    /// <summary>
    /// Make the next <paramref name="count"/> decommits behave as Windows's does when MEM_COMMIT after
    /// MEM_DECOMMIT is refused: the pages go back and the range is left inaccessible (PROT_NONE) until
    /// it is committed again; the decommit returns false.
    /// </summary>
    public void FailNextRecommits(int count) => Volatile.Write(ref _failRecommits, count);

    /// <summary>Whether every page of the range is accessible: none is left inaccessible by a failed re-commit.</summary>
    public bool IsAccessible(void* address, nuint size)
    {
        lock (_inaccessiblePages)
        {
            for (nuint page = (nuint)address & ~(PageSize - 1); page < (nuint)address + size; page += PageSize)
            {
                if (_inaccessiblePages.Contains(page))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>What a failed decommit throws, given its message: by default what the OS layers throw for a refused madvise.</summary>
    public Func<string, Exception> DecommitFault { get; init; } = static message => new InvalidOperationException(message);

    /// <summary>Refuse every mbind, as a kernel without NUMA policy support or a seccomp filter does.</summary>
    public bool FailBinding { get; init; }

    /// <summary>Answer every residency query with "unknown" (-1), as the Windows layer does.</summary>
    public bool ResidencyUnknown { get; init; }

    public int Commits { get; private set; }

    public override nuint PageSize => _inner.PageSize;

    // Claim NUMA support so that the heap binds its regions, and the binding can be refused.
    public override bool SupportsNuma => true;

    public override HugePageInfo HugePages => _inner.HugePages;

    public override void* Reserve(nuint size, nuint alignment)
    {
        if (ReserveLimitBytes > 0 && ReservedBytes + (long)size + (long)alignment > ReserveLimitBytes)
        {
            throw new OutOfMemoryException($"mmap(NULL, 0x{size + alignment:X}, PROT_NONE) failed: errno 12 (ENOMEM) [injected address-space limit of {ReserveLimitBytes} bytes]");
        }

        void* address = _inner.Reserve(size, alignment);
        Interlocked.Add(ref _reservedBytes, (long)size);
        return address;
    }

    public override void Release(void* address, nuint size)
    {
        _inner.Release(address, size);
        Interlocked.Add(ref _reservedBytes, -(long)size);
    }

    public override void Commit(void* address, nuint size)
    {
        int before = Volatile.Read(ref _commitsBeforeFailure);
        if (before >= 0)
        {
            Volatile.Write(ref _commitsBeforeFailure, before - 1);
        }

        if (Interlocked.Decrement(ref _failCommits) >= 0 || before == 0)
        {
            throw new OutOfMemoryException($"mprotect(0x{(nint)address:X}, {size}) failed: errno 12 (ENOMEM) [injected]");
        }

        Commits++;
        _inner.Commit(address, size);
        SetAccessible(address, size, accessible: true);
    }

    public override bool Decommit(void* address, nuint size)
    {
        if (Interlocked.Decrement(ref _failDecommits) >= 0)
        {
            throw DecommitFault($"madvise(0x{(nint)address:X}, {size}, MADV_DONTNEED) failed: errno 22 (EINVAL) [injected]");
        }

        bool accessible = _inner.Decommit(address, size);
        if (Interlocked.Decrement(ref _failRecommits) >= 0)
        {
            if (Libc.Mprotect(address, size, Libc.PROT_NONE) != 0)
            {
                throw new InvalidOperationException($"mprotect(0x{(nint)address:X}, {size}, PROT_NONE) failed emulating a refused re-commit.");
            }

            accessible = false;
        }

        SetAccessible(address, size, accessible);
        return accessible;
    }

    private void SetAccessible(void* address, nuint size, bool accessible)
    {
        lock (_inaccessiblePages)
        {
            if (accessible && _inaccessiblePages.Count == 0)
            {
                return;
            }

            for (nuint page = (nuint)address & ~(PageSize - 1); page < (nuint)address + size; page += PageSize)
            {
                if (accessible)
                {
                    _inaccessiblePages.Remove(page);
                }
                else
                {
                    _inaccessiblePages.Add(page);
                }
            }
        }
    }

    public override bool TryBindToNode(void* address, nuint size, int osNode, bool strict, out int error)
    {
        if (FailBinding)
        {
            error = 1;
            return false;
        }

        return _inner.TryBindToNode(address, size, osNode, strict, out error);
    }

    public override bool TryInterleave(void* address, nuint size, ReadOnlySpan<int> osNodes, out int error)
    {
        if (FailBinding)
        {
            error = 1;
            return false;
        }

        return _inner.TryInterleave(address, size, osNodes, out error);
    }

    public override bool TryAdviseHugePages(void* address, nuint size, bool enable) => _inner.TryAdviseHugePages(address, size, enable);

    public override void QueryPageNodes(ReadOnlySpan<nint> pages, Span<int> nodes) => _inner.QueryPageNodes(pages, nodes);

    public override bool TrySetCurrentThreadAffinity(ReadOnlySpan<int> cpus, out int error) => _inner.TrySetCurrentThreadAffinity(cpus, out error);

    public override (int Cpu, int Node) GetCurrentCpuAndNode() => _inner.GetCurrentCpuAndNode();

    public override long GetResidentBytes(void* address, nuint size) => ResidencyUnknown ? -1 : _inner.GetResidentBytes(address, size);

    public override long FindResidentSuffix(void* address, nuint size, nuint residentBytes) => ResidencyUnknown ? -1 : _inner.FindResidentSuffix(address, size, residentBytes);
}
