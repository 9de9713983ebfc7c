using System;
using Numa.Platform;
using Numa.Platform.Interop;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Platform;

/// <summary>Runs the fallback layer on Linux, where it picks the Linux mmap flags, to check its memory paths for real.</summary>
public sealed unsafe class PortableOsMemoryTests
{
    private readonly ITestOutputHelper _output;

    public PortableOsMemoryTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ReserveCommitDecommitRelease_DecommitGivesPagesBackAndZeroes()
    {
        if (!RequireLinux())
        {
            return;
        }

        var os = new PortableOsMemory();
        nuint size = 16 * os.PageSize;
        byte* p = (byte*)os.Reserve(size, 64 * os.PageSize);
        try
        {
            Assert.Equal(0u, (nuint)p % (64 * os.PageSize));
            os.Commit(p, size);
            new Span<byte>(p, (int)size).Fill(0x5A);
            Assert.Equal((long)size, os.GetResidentBytes(p, size));

            os.Decommit(p, size);
            Assert.Equal(0, os.GetResidentBytes(p, size));
            Assert.Equal(-1, new Span<byte>(p, (int)size).IndexOfAnyExcept((byte)0));

            // Still committed: writable without another Commit.
            p[size - 1] = 7;
            Assert.Equal(7, p[size - 1]);
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void Reserve_BeyondTheAddressSpace_ThrowsOutOfMemoryNamingErrno()
    {
        if (!RequireLinux())
        {
            return;
        }

        var os = new PortableOsMemory();
        OutOfMemoryException e = Assert.Throws<OutOfMemoryException>(() => os.Reserve((nuint)1 << 62, os.PageSize));
        Assert.Contains("MAP_ANON", e.Message, StringComparison.Ordinal);
        Assert.Contains("errno 12", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NumaCalls_ReportNotSupported()
    {
        if (!RequireLinux())
        {
            return;
        }

        var os = new PortableOsMemory();
        Assert.False(os.SupportsNuma);
        Assert.Equal(Errno.ENOSYS, os.NotSupportedError);
        Assert.Equal("unsupported", os.HugePages.TransparentMode);

        nuint size = os.PageSize;
        byte* p = (byte*)os.Reserve(size, size);
        try
        {
            os.Commit(p, size);
            *p = 1;
            Assert.False(os.TryBindToNode(p, size, 0, strict: true, out int bindError));
            Assert.Equal(Errno.ENOSYS, bindError);
            Assert.False(os.TryInterleave(p, size, [0], out int interleaveError));
            Assert.Equal(Errno.ENOSYS, interleaveError);
            Assert.False(os.TryAdviseHugePages(p, size, enable: true));
            Assert.False(os.TrySetCurrentThreadAffinity([0], out int affinityError));
            Assert.Equal(Errno.ENOSYS, affinityError);

            var nodes = new int[2] { 5, 5 };
            os.QueryPageNodes([(nint)p], nodes);
            Assert.Equal([-Errno.ENOSYS, 5], nodes);
        }
        finally
        {
            os.Release(p, size);
        }
    }

    [Fact]
    public void GetCurrentCpuAndNode_ReportsAProcessorOnNodeZero()
    {
        var os = new PortableOsMemory();
        (int cpu, int node) = os.GetCurrentCpuAndNode();
        Assert.InRange(cpu, 0, Environment.ProcessorCount - 1);
        Assert.Equal(0, node);
    }

    private bool RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            _output.WriteLine("Not run: these checks use Linux as the stand-in Unix.");
            return false;
        }

        return true;
    }
}
