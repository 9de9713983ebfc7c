using System;
using Numa.Configuration;
using Xunit;

namespace Numa.Tests.Configuration;

/// <summary>
/// Settings read from AppContext switches: good values come through, bad ones throw an
/// <see cref="InvalidOperationException"/> that names the setting and says what it expects.
/// </summary>
/// <remarks>
/// AppContext data is process-wide, and the process-wide heap reads it on first use: each test
/// makes sure that heap exists before it sets anything, and clears what it set.
/// </remarks>
public sealed class HeapOptionsTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("100", 100)]
    [InlineData("125", 125)]
    public void ResidentLimitPercent_AcceptsZeroOrAPercentageFrom100(string text, int expected)
    {
        HeapOptions options = ReadWith("ResidentLimitPercent", text);

        Assert.Equal(expected, options.ResidentLimitPercent);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("2", 2)]
    [InlineData("64", 64)]
    public void ShardsPerNode_AcceptsZeroOrAPowerOfTwoUpTo64(string text, int expected)
    {
        HeapOptions options = ReadWith("ShardsPerNode", text);

        Assert.Equal(expected, options.ShardsPerNode);
    }

    [Theory]
    [InlineData("ShardsPerNode", "3", "NUMAHEAP_SHARDS_PER_NODE")]
    [InlineData("ShardsPerNode", "128", "NUMAHEAP_SHARDS_PER_NODE")]
    [InlineData("ResidentLimitPercent", "50", "NUMAHEAP_RESIDENT_LIMIT_PERCENT")]
    [InlineData("ResidentLimitPercent", "lots", "NUMAHEAP_RESIDENT_LIMIT_PERCENT")]
    [InlineData("PurgeDelayMs", "-1", "NUMAHEAP_PURGE_DELAY_MS")]
    [InlineData("HugePages", "always", "NUMAHEAP_HUGE_PAGES")]
    [InlineData("SimulatedNodes", "65", "NUMAHEAP_SIMULATED_NODES")]
    [InlineData("BindThreads", "spread", "NUMAHEAP_BIND_THREADS")]
    public void ABadValue_ThrowsAnExceptionNamingTheSetting(string name, string text, string variable)
    {
        var e = Assert.Throws<InvalidOperationException>(() => ReadWith(name, text));

        Assert.Contains(variable, e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithNothingSet_TheDefaultsApply()
    {
        EnsureDefaultHeap();
        HeapOptions options = HeapOptions.FromEnvironment();

        Assert.Equal(HeapOptions.DefaultPurgeDelayMs, options.PurgeDelayMs);
        Assert.Equal(0, options.ResidentLimitPercent);
        Assert.Equal(HugePageMode.Off, options.HugePages);
        Assert.Equal(0, options.ShardsPerNode);
    }

    private static HeapOptions ReadWith(string name, string text)
    {
        EnsureDefaultHeap();
        AppContext.SetData("NumaHeap." + name, text);
        try
        {
            return HeapOptions.FromEnvironment();
        }
        finally
        {
            AppContext.SetData("NumaHeap." + name, null);
        }
    }

    private static unsafe void EnsureDefaultHeap() => NumaHeap.Free(NumaHeap.Alloc(1));
}
