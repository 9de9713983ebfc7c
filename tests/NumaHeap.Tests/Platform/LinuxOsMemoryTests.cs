using System;
using System.Collections.Generic;
using System.Numerics;
using Numa.Platform;
using Numa.Platform.Interop;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Platform;

public sealed unsafe class LinuxOsMemoryTests
{
    private const nuint MiB = 1024 * 1024;

    private readonly ITestOutputHelper _output;
    private readonly LinuxOsMemory? _os;

    public LinuxOsMemoryTests(ITestOutputHelper output)
    {
        _output = output;
        _os = OperatingSystem.IsLinux() ? new LinuxOsMemory() : null;
    }

    [Fact]
    public void Default_OnLinux_IsLinuxOsMemory()
    {
        if (!RequireLinux(out _))
        {
            return;
        }

        Assert.IsType<LinuxOsMemory>(OsMemory.Default);
    }

    [Fact]
    public void PageSize_IsTheSystemPageSize()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        Assert.Equal((nuint)Environment.SystemPageSize, os.PageSize);
        Assert.True(BitOperations.IsPow2(os.PageSize));
    }

    [Fact]
    public void ReserveCommitDecommitRelease_RoundTrip()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        nuint size = 16 * os.PageSize;
        byte* p = (byte*)os.Reserve(size, os.PageSize);
        try
        {
            os.Commit(p, size);
            for (nuint i = 0; i < size; i += 512)
            {
                p[i] = 0xA5;
            }

            Assert.Equal(0xA5, p[size - 512]);
            os.Decommit(p, size);

            // The range stays writable and reads as zero.
            for (nuint i = 0; i < size; i += 512)
            {
                Assert.Equal(0, p[i]);
            }

            p[0] = 1;
            Assert.Equal(1, p[0]);
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4097, 4096)]
    [InlineData(3 * 1024 * 1024, 2 * 1024 * 1024)]
    [InlineData(64 * 1024, 1024 * 1024 * 1024)]
    public void Reserve_ReturnsAlignedUsableRange(long size, long alignment)
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        byte* p = (byte*)os.Reserve((nuint)size, (nuint)alignment);
        try
        {
            Assert.Equal(0u, (nuint)p % Math.Max((nuint)alignment, os.PageSize));
            os.Commit(p, (nuint)size);
            p[0] = 1;
            Assert.Equal(1, p[0]);
            p[size - 1] = 2;
            Assert.Equal(2, p[size - 1]);
        }
        finally
        {
            os.Release(p, (nuint)size);
        }
    }

    [Fact]
    public void Reserve_BeyondTheAddressSpace_ThrowsOutOfMemoryNamingErrno()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        OutOfMemoryException e = Assert.Throws<OutOfMemoryException>(() => os.Reserve((nuint)1 << 62, os.PageSize));
        _output.WriteLine(e.Message);
        Assert.Contains("mmap", e.Message, StringComparison.Ordinal);
        Assert.Contains("errno 12", e.Message, StringComparison.Ordinal);
        Assert.Contains("ENOMEM", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reserve_SizePlusAlignmentOverflowing_ThrowsOutOfMemory()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        Assert.Throws<OutOfMemoryException>(() => os.Reserve(nuint.MaxValue - os.PageSize, (nuint)1 << 30));
    }

    [Fact]
    public void Reserve_InvalidArguments_Throw()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => os.Reserve(0, os.PageSize));
        Assert.Throws<ArgumentException>(() => os.Reserve(os.PageSize, 3 * os.PageSize));
        Assert.Throws<ArgumentException>(() => os.Reserve(os.PageSize, 0));
    }

    [Fact]
    public void Commit_OutsideAnyMapping_ThrowsOutOfMemoryNamingErrno()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        // Page 0 is below vm.mmap_min_addr, so nothing can be mapped there and mprotect reports ENOMEM.
        OutOfMemoryException e = Assert.Throws<OutOfMemoryException>(() => os.Commit(null, os.PageSize));
        _output.WriteLine(e.Message);
        Assert.Contains($"mprotect(0x0, 0x{os.PageSize:X}, PROT_READ|PROT_WRITE)", e.Message, StringComparison.Ordinal);
        Assert.Contains("errno 12 (ENOMEM", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecommitAndRelease_MisalignedAddress_ThrowInvalidOperationNamingErrno()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        nuint size = 4 * os.PageSize;
        byte* p = (byte*)os.Reserve(size, os.PageSize);
        try
        {
            os.Commit(p, size);
            InvalidOperationException decommit = Assert.Throws<InvalidOperationException>(() => os.Decommit(p + 1, os.PageSize));
            Assert.Contains("madvise", decommit.Message, StringComparison.Ordinal);
            Assert.Contains("EINVAL", decommit.Message, StringComparison.Ordinal);

            InvalidOperationException release = Assert.Throws<InvalidOperationException>(() => os.Release(p + 1, os.PageSize));
            Assert.Contains("munmap", release.Message, StringComparison.Ordinal);
            Assert.Contains("errno 22", release.Message, StringComparison.Ordinal);
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void GetResidentBytes_FollowsTouchAndDecommit()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        nuint pageSize = os.PageSize;
        nuint size = 32 * pageSize;
        byte* p = (byte*)os.Reserve(size, pageSize);
        try
        {
            Assert.Equal(0, os.GetResidentBytes(p, size));
            os.Commit(p, size);
            Assert.Equal(0, os.GetResidentBytes(p, size));

            for (nuint i = 0; i < 8; i++)
            {
                p[i * pageSize] = 1;
            }

            Assert.Equal(8 * (long)pageSize, os.GetResidentBytes(p, size));

            // An unaligned sub-range counts the whole pages it touches: bytes 1 .. 2 pages + 1 span three pages.
            Assert.Equal(3 * (long)pageSize, os.GetResidentBytes(p + 1, 2 * pageSize));

            os.Decommit(p, size);
            Assert.Equal(0, os.GetResidentBytes(p, size));
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void FindResidentSuffix_FindsTheHighestPageFromWhichEnoughIsResident()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        nuint pageSize = os.PageSize;
        nuint size = 16 * pageSize;
        byte* p = (byte*)os.Reserve(size, pageSize);
        try
        {
            os.Commit(p, size);
            foreach (nuint page in new nuint[] { 2, 5, 9 })
            {
                p[page * pageSize] = 1;
            }

            Assert.Equal(9 * (long)pageSize, os.FindResidentSuffix(p, size, pageSize));
            Assert.Equal(5 * (long)pageSize, os.FindResidentSuffix(p, size, 2 * pageSize));
            Assert.Equal(5 * (long)pageSize, os.FindResidentSuffix(p, size, pageSize + 1)); // part of a page counts as the page
            Assert.Equal(2 * (long)pageSize, os.FindResidentSuffix(p, size, 3 * pageSize));
            Assert.Equal(0, os.FindResidentSuffix(p, size, 4 * pageSize)); // fewer than asked: the whole range
            Assert.Equal(-1, os.FindResidentSuffix(p + 1, size - pageSize, pageSize)); // not page-aligned
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void GetResidentBytes_UnmappedRange_ReturnsMinusOne()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        Assert.Equal(-1, os.GetResidentBytes(null, os.PageSize));
        Assert.Equal(0, os.GetResidentBytes(null, 0));
    }

    [Fact]
    public void TryBindToNode_RealNode_PlacesTouchedPagesThere()
    {
        if (!RequireNuma(out LinuxOsMemory os))
        {
            return;
        }

        int osNode = TopologyReader.ReadSystem().Nodes[0].OsNode;
        foreach (bool strict in new[] { true, false })
        {
            nuint size = 4 * os.PageSize;
            byte* p = (byte*)os.Reserve(size, os.PageSize);
            try
            {
                Assert.True(os.TryBindToNode(p, size, osNode, strict, out int error), $"mbind failed with errno {error}");
                Assert.Equal(0, error);
                os.Commit(p, size);
                p[0] = 1;
                p[os.PageSize * 3] = 1;

                var nodes = new int[2];
                os.QueryPageNodes([(nint)p, (nint)(p + (os.PageSize * 3))], nodes);
                Assert.Equal(osNode, nodes[0]);
                Assert.Equal(osNode, nodes[1]);
            }
            finally
            {
                os.Release(p, size);
            }
        }
    }

    [Fact]
    public void TryInterleave_OnlineNodes_PlacesPagesOnThem()
    {
        if (!RequireNuma(out LinuxOsMemory os))
        {
            return;
        }

        var osNodes = new List<int>();
        foreach (NumaNode node in TopologyReader.ReadSystem().Nodes)
        {
            osNodes.Add(node.OsNode);
        }

        nuint size = 8 * os.PageSize;
        byte* p = (byte*)os.Reserve(size, os.PageSize);
        try
        {
            Assert.True(os.TryInterleave(p, size, osNodes.ToArray(), out int error), $"mbind(MPOL_INTERLEAVE) failed with errno {error}");
            os.Commit(p, size);
            var pages = new nint[8];
            for (int i = 0; i < pages.Length; i++)
            {
                pages[i] = (nint)(p + ((nuint)i * os.PageSize));
                *(byte*)pages[i] = 1;
            }

            var nodes = new int[pages.Length];
            os.QueryPageNodes(pages, nodes);
            Assert.All(nodes, node => Assert.Contains(node, osNodes));
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void TryBindToNode_NodeThatDoesNotExist_FailsWithEinval()
    {
        if (!RequireNuma(out LinuxOsMemory os))
        {
            return;
        }

        nuint size = os.PageSize;
        void* p = os.Reserve(size, size);
        try
        {
            // 1000 fits the mask, so the kernel itself rejects it; 1024 and -1 are rejected before the call.
            foreach (int osNode in new[] { 1000, LinuxOsMemory.MaxNodes, -1 })
            {
                Assert.False(os.TryBindToNode(p, size, osNode, strict: true, out int error));
                Assert.Equal(Errno.EINVAL, error);
            }

            Assert.False(os.TryInterleave(p, size, ReadOnlySpan<int>.Empty, out int emptyError));
            Assert.Equal(Errno.EINVAL, emptyError);
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void QueryPageNodes_UntouchedAndUnmappedPages_ReportNegativeErrno()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        nuint size = 2 * os.PageSize;
        byte* p = (byte*)os.Reserve(size, os.PageSize);
        try
        {
            os.Commit(p, size);
            p[os.PageSize] = 1;
            var nodes = new int[3] { 99, 99, 99 };
            os.QueryPageNodes([(nint)p, (nint)(p + os.PageSize), 0], nodes);
            _output.WriteLine($"untouched: {nodes[0]}, touched: {nodes[1]}, unmapped: {nodes[2]}");
            if (os.SupportsNuma)
            {
                Assert.Equal(-Errno.ENOENT, nodes[0]);
                Assert.True(nodes[1] >= 0, $"a touched page reported {nodes[1]}");
                Assert.True(nodes[2] < 0, $"an unmapped page reported {nodes[2]}");
            }
            else
            {
                Assert.All(nodes, node => Assert.True(node < 0));
            }
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void QueryPageNodes_ShortNodeSpan_Throws()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        Assert.Throws<ArgumentException>(() => os.QueryPageNodes(new nint[2], new int[1]));
    }

    [Fact]
    public void TryAdviseHugePages_OnCommittedRange_SucceedsWhereTransparentHugePagesExist()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        nuint size = 2 * MiB;
        void* p = os.Reserve(size, size);
        try
        {
            os.Commit(p, size);
            bool supported = os.HugePages.TransparentMode != "unsupported";
            Assert.Equal(supported, os.TryAdviseHugePages(p, size, enable: true));
            Assert.Equal(supported, os.TryAdviseHugePages(p, size, enable: false));
            Assert.False(os.TryAdviseHugePages((byte*)p + 1, size - os.PageSize, enable: true));
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void HugePages_ReportsTheSystemSettings()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        HugePageInfo info = os.HugePages;
        _output.WriteLine(info.ToString());
        Assert.Contains(info.TransparentMode, new[] { "always", "madvise", "never", "unsupported" });
        Assert.True(info.ExplicitTotal >= 0);
        Assert.InRange(info.ExplicitFree, 0, info.ExplicitTotal);
        if (info.TransparentMode != "unsupported")
        {
            Assert.True(BitOperations.IsPow2((ulong)info.HugePageSize), $"huge page size {info.HugePageSize}");
            Assert.True(info.HugePageSize > (long)os.PageSize);
        }
    }

    [Fact]
    public void GetCurrentCpuAndNode_MatchesTheTopology()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        NumaTopology topology = TopologyReader.ReadSystem();
        (int cpu, int node) = os.GetCurrentCpuAndNode();
        Assert.InRange(cpu, 0, Environment.ProcessorCount - 1);
        Assert.Equal(topology.Nodes[topology.GetNodeOfCpu(cpu)].OsNode, node);
    }

    [Fact]
    public void TrySetCurrentThreadAffinity_PinsAndRestores()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        DedicatedThread.Run(() =>
        {
            int[] original = GetCurrentThreadAffinity();
            Assert.NotEmpty(original);
            try
            {
                foreach (int cpu in original)
                {
                    Assert.True(os.TrySetCurrentThreadAffinity([cpu], out int error), $"pinning to CPU {cpu} failed with errno {error}");
                    Assert.Equal(0, error);
                    Assert.Equal([cpu], GetCurrentThreadAffinity());

                    // sched_setaffinity migrates the caller before it returns.
                    Assert.Equal(cpu, os.GetCurrentCpuAndNode().Cpu);
                }
            }
            finally
            {
                Assert.True(os.TrySetCurrentThreadAffinity(original, out int error), $"restoring failed with errno {error}");
            }

            Assert.Equal(original, GetCurrentThreadAffinity());
        });
    }

    [Fact]
    public void TrySetCurrentThreadAffinity_NoUsableCpu_FailsWithEinval()
    {
        if (!RequireLinux(out LinuxOsMemory os))
        {
            return;
        }

        DedicatedThread.Run(() =>
        {
            int[] original = GetCurrentThreadAffinity();

            // 1023 fits the default mask and 5000 needs a larger one; neither CPU exists here.
            foreach (int[] cpus in new[] { new[] { 1023 }, new[] { 5000 }, new[] { -1 }, Array.Empty<int>() })
            {
                Assert.False(os.TrySetCurrentThreadAffinity(cpus, out int error));
                Assert.Equal(Errno.EINVAL, error);
            }

            Assert.Equal(original, GetCurrentThreadAffinity());
        });
    }

    private static int[] GetCurrentThreadAffinity()
    {
        const int Words = 1024 / 64;
        ulong* mask = stackalloc ulong[Words];
        Assert.Equal(0, Libc.SchedGetAffinity(0, Words * sizeof(ulong), mask));
        var cpus = new List<int>();
        for (int cpu = 0; cpu < Words * 64; cpu++)
        {
            if ((mask[cpu >> 6] & (1UL << (cpu & 63))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus.ToArray();
    }

    private bool RequireLinux(out LinuxOsMemory os)
    {
        if (_os is null)
        {
            _output.WriteLine("Not run: the Linux OS layer needs Linux.");
            os = null!;
            return false;
        }

        os = _os;
        return true;
    }

    private bool RequireNuma(out LinuxOsMemory os)
    {
        if (!RequireLinux(out os))
        {
            return false;
        }

        if (!os.SupportsNuma)
        {
            _output.WriteLine("Not run: get_mempolicy failed, so this kernel or its seccomp filter offers no NUMA syscalls.");
            return false;
        }

        return true;
    }
}
