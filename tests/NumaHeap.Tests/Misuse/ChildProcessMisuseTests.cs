using System;
using System.Diagnostics;
using System.IO;
using Xunit;
using Xunit.Abstractions;

namespace Numa.Tests.Misuse;

/// <summary>
/// The misuse scenarios of tests/NumaHeap.Adversarial against the process-wide heap, each in a child
/// process with its settings and a time limit: the scenario's checks all held (exit 0, "OK"), and a
/// crash or a hang fails the test instead of the test host. Linux: the limit scenario uses ulimit.
/// </summary>
public sealed class ChildProcessMisuseTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("big-free-vs-realloc", "")]
    [InlineData("big-free-vs-realloc", "NUMAHEAP_CHECKS=1 NUMAHEAP_SIMULATED_NODES=4")]
    [InlineData("small-free-vs-realloc", "NUMAHEAP_CHECKS=1")]
    [InlineData("small-free-vs-realloc", "NUMAHEAP_CHECKS=1 NUMAHEAP_SIMULATED_NODES=4")]
    [InlineData("double-free-vs-span-release", "NUMAHEAP_CHECKS=1")]
    [InlineData("usable-size-vs-span-release", "")]
    [InlineData("usable-size-vs-span-release", "NUMAHEAP_CHECKS=1 NUMAHEAP_SIMULATED_NODES=4")]
    [InlineData("thread-exit-with-remote-frees", "NUMAHEAP_SIMULATED_NODES=4")]
    [InlineData("thread-exit-with-remote-frees", "NUMAHEAP_CHECKS=1 NUMAHEAP_SIMULATED_NODES=4")]
    [InlineData("bad-configuration", "NUMAHEAP_CHECKS=maybe")]
    public void Scenario_HoldsInAProcessOfItsOwn(string scenario, string settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ScenarioProgram());
        start.ArgumentList.Add(scenario);
        foreach (string setting in settings.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] pair = setting.Split('=');
            start.Environment[pair[0]] = pair[1];
        }

        AssertSucceeds(start, scenario);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(2)]
    public void AddressSpaceLimit_OfSomeGiB_LeavesAWorkingHeap(int gibibytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Below 8 GiB the runtime itself needs its GC heap limited to start at all; at 2 GiB it
        // leaves the heap room for regions of 16 MiB.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"ulimit -v {gibibytes * 1024 * 1024} && exec dotnet \"$0\" address-space-limit");
        start.ArgumentList.Add(ScenarioProgram());
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x10000000";
        AssertSucceeds(start, $"address-space-limit {gibibytes} GiB");
    }

    private void AssertSucceeds(ProcessStartInfo start, string scenario)
    {
        using Process process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_timeLimit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{scenario} ran past {s_timeLimit.TotalSeconds} s.");
        }

        string text = stdout.Result + stderr.Result;
        output.WriteLine(text);
        Assert.True(process.ExitCode == 0 && text.Contains("OK ", StringComparison.Ordinal), $"{scenario} exited with {process.ExitCode}:\n{text}");
    }

    // The scenario program beside this assembly's build: tests/NumaHeap.Adversarial/bin/<configuration>/net10.0.
    private static string ScenarioProgram()
    {
        string here = Path.GetDirectoryName(typeof(ChildProcessMisuseTests).Assembly.Location)!;
        string configuration = new DirectoryInfo(here).Parent!.Name;
        string path = Path.GetFullPath(Path.Combine(here, "..", "..", "..", "..", "NumaHeap.Adversarial", "bin", configuration, "net10.0", "NumaHeap.Adversarial.dll"));
        Assert.True(File.Exists(path), $"{path} is missing: build tests/NumaHeap.Adversarial.");
        return path;
    }
}
