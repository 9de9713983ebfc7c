using System;
using System.IO;
using Numa.Platform;
using Xunit;

namespace Numa.Tests.Platform;

public sealed class HugePageInfoReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("numaheap-thp-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("always [madvise] never\n", "madvise")]
    [InlineData("[always] madvise never\n", "always")]
    [InlineData("always madvise [never]\n", "never")]
    [InlineData("always madvise never\n", "unsupported")]
    [InlineData("[sometimes]\n", "unsupported")]
    [InlineData("", "unsupported")]
    [InlineData(null, "unsupported")]
    public void ParseTransparentMode(string? text, string expected) =>
        Assert.Equal(expected, HugePageInfoReader.ParseTransparentMode(text));

    [Fact]
    public void Read_ParsesModeSizeAndCounts()
    {
        string thp = WriteThp("always [madvise] never\n", pmdSize: null);
        string meminfo = Write("meminfo", "MemTotal:  4024096 kB\nHugePages_Total:      16\nHugePages_Free:        5\nHugePages_Rsvd:        0\nHugepagesize:       2048 kB\nHugetlb:  0 kB\n");

        HugePageInfo info = HugePageInfoReader.Read(thp, meminfo);

        Assert.Equal(new HugePageInfo("madvise", 2 * 1024 * 1024, 16, 5), info);
        Assert.True(info.TransparentAvailable);
        Assert.True(info.ExplicitAvailable);
    }

    [Fact]
    public void Read_WithoutHugetlbLines_TakesThePmdSize()
    {
        string thp = WriteThp("always madvise [never]\n", pmdSize: "2097152\n");
        string meminfo = Write("meminfo", "MemTotal:  4024096 kB\n");

        Assert.Equal(new HugePageInfo("never", 2097152, 0, 0), HugePageInfoReader.Read(thp, meminfo));
    }

    [Fact]
    public void Read_MissingFiles_ReportUnsupported()
    {
        HugePageInfo info = HugePageInfoReader.Read(Path.Combine(_root, "absent"), Path.Combine(_root, "absent-meminfo"));

        Assert.Equal(new HugePageInfo("unsupported", 0, 0, 0), info);
        Assert.False(info.TransparentAvailable);
        Assert.False(info.ExplicitAvailable);
    }

    [Fact]
    public void Read_MalformedNumber_ThrowsFormatExceptionQuotingTheLine()
    {
        string meminfo = Write("meminfo", "Hugepagesize:       lots kB\n");

        FormatException e = Assert.Throws<FormatException>(() => HugePageInfoReader.Read(Path.Combine(_root, "absent"), meminfo));
        Assert.Contains("Hugepagesize:       lots kB", e.Message, StringComparison.Ordinal);
    }

    private string WriteThp(string enabled, string? pmdSize)
    {
        string directory = Directory.CreateDirectory(Path.Combine(_root, "transparent_hugepage")).FullName;
        File.WriteAllText(Path.Combine(directory, "enabled"), enabled);
        if (pmdSize is not null)
        {
            File.WriteAllText(Path.Combine(directory, "hpage_pmd_size"), pmdSize);
        }

        return directory;
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }
}
