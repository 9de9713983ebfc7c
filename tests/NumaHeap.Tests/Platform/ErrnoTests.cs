using System;
using Numa.Platform.Interop;
using Xunit;

namespace Numa.Tests.Platform;

public sealed class ErrnoTests
{
    [Fact]
    public void Describe_NamesNumberSymbolAndText()
    {
        string text = Errno.Describe(Errno.ENOMEM);
        Assert.StartsWith("errno 12 (", text, StringComparison.Ordinal);
        Assert.Contains("memory", text, StringComparison.OrdinalIgnoreCase);
        if (OperatingSystem.IsLinux())
        {
            Assert.StartsWith("errno 12 (ENOMEM: ", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(Errno.EPERM, "EPERM")]
    [InlineData(Errno.ENOENT, "ENOENT")]
    [InlineData(Errno.EFAULT, "EFAULT")]
    [InlineData(Errno.EINVAL, "EINVAL")]
    [InlineData(Errno.ENOSYS, "ENOSYS")]
    [InlineData(Errno.EOPNOTSUPP, "EOPNOTSUPP")]
    public void GetName_KnownValues(int errno, string name) => Assert.Equal(name, Errno.GetName(errno));

    [Fact]
    public void Describe_UnknownValue_StillNamesTheNumber()
    {
        Assert.Null(Errno.GetName(4242));
        Assert.StartsWith("errno 4242 (", Errno.Describe(4242), StringComparison.Ordinal);
    }
}
