using System;
using System.Reflection;
using System.Runtime.Loader;
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
    // ResidentLimitPercent: 0 (no limit) or a percentage from 100; ShardsPerNode: 0 (automatic) or a power of two up to 64.
    [Theory]
    [InlineData("ResidentLimitPercent", "0", 0)]
    [InlineData("ResidentLimitPercent", "100", 100)]
    [InlineData("ResidentLimitPercent", "125", 125)]
    [InlineData("ShardsPerNode", "0", 0)]
    [InlineData("ShardsPerNode", "1", 1)]
    [InlineData("ShardsPerNode", "2", 2)]
    [InlineData("ShardsPerNode", "64", 64)]
    public void AGoodValue_ComesThrough(string name, string text, int expected)
    {
        HeapOptions options = ReadWith(name, text);

        int read = name switch
        {
            "ResidentLimitPercent" => options.ResidentLimitPercent,
            "ShardsPerNode" => options.ShardsPerNode,
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a setting this test reads"),
        };
        Assert.Equal(expected, read);
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

    [Theory]
    [InlineData("Checks", "maybe", "NUMAHEAP_CHECKS")]
    [InlineData("InterleaveMainThread", "2", "NUMAHEAP_INTERLEAVE_MAIN_THREAD")]
    public void ABadBooleanValue_ThrowsAnExceptionNamingTheSettingAndWhatItAccepts(string name, string text, string variable)
    {
        var e = Assert.Throws<InvalidOperationException>(() => ReadWith(name, text));

        Assert.Contains(variable, e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected 1, true, on or yes, or 0, false, off, no or nothing", e.Message, StringComparison.Ordinal);
    }

    // A second copy of the library, in a load context of its own, creates its process-wide heap on
    // its first call, with the bad setting in place: that call and every later one, of any kind,
    // throws InvalidOperationException naming the setting, never a TypeInitializationException.
    [Theory]
    [InlineData("Checks", "maybe", "NUMAHEAP_CHECKS")]
    [InlineData("ShardsPerNode", "3", "NUMAHEAP_SHARDS_PER_NODE")]
    [InlineData("PurgeDelayMs", "soon", "NUMAHEAP_PURGE_DELAY_MS")]
    public void ABadValue_MakesTheProcessWideHeapRefuseEveryCall(string name, string text, string variable)
    {
        EnsureDefaultHeap();
        var context = new AssemblyLoadContext(nameof(ABadValue_MakesTheProcessWideHeapRefuseEveryCall), isCollectible: true);
        try
        {
            Type api = context.LoadFromAssemblyPath(typeof(Heap).Assembly.Location).GetType("Numa.NumaHeap", throwOnError: true)!;
            AppContext.SetData("NumaHeap." + name, text);
            try
            {
                (string Method, Type[] Parameters, object?[] Arguments)[] calls =
                [
                    ("Alloc", [typeof(nuint)], [(nuint)16]),
                    ("Alloc", [typeof(nuint)], [(nuint)16]),
                    ("AllocZeroed", [typeof(nuint)], [(nuint)(1024 * 1024)]),
                    ("GetStatistics", [], []),
                    ("Trim", [], []),
                    ("Alloc", [typeof(nuint)], [(nuint)16]),
                ];
                foreach ((string method, Type[] parameters, object?[] arguments) in calls)
                {
                    var call = Assert.Throws<TargetInvocationException>(() => api.GetMethod(method, parameters)!.Invoke(null, arguments));
                    InvalidOperationException refusal = Assert.IsType<InvalidOperationException>(call.InnerException);
                    Assert.Contains(variable, refusal.Message, StringComparison.Ordinal);
                    Assert.Contains($"'{text}'", refusal.Message, StringComparison.Ordinal);
                    Assert.Contains("expected", refusal.Message, StringComparison.Ordinal);
                }
            }
            finally
            {
                AppContext.SetData("NumaHeap." + name, null);
            }
        }
        finally
        {
            context.Unload();
        }
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
