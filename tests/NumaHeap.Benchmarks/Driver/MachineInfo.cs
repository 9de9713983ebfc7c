using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Driver;

/// <summary>A description of the machine the results were measured on.</summary>
public sealed class MachineInfo
{
    public string CpuModel { get; set; } = "";

    public int Cores { get; set; }

    public long MemoryBytes { get; set; }

    public string Kernel { get; set; } = "";

    public string Os { get; set; } = "";

    public string DotNet { get; set; } = "";

    public string DateUtc { get; set; } = "";

    public Dictionary<string, string> Libraries { get; set; } = [];

    public static MachineInfo Describe()
    {
        var info = new MachineInfo
        {
            Cores = Environment.ProcessorCount,
            Os = RuntimeInformation.OSDescription,
            DotNet = RuntimeInformation.FrameworkDescription,
            DateUtc = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            CpuModel = ReadKey("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
            Kernel = ReadFile("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.VersionString,
        };
        string? memTotal = ReadKey("/proc/meminfo", "MemTotal");
        if (memTotal is not null && long.TryParse(memTotal.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb))
        {
            info.MemoryBytes = kb * 1024;
        }

        foreach (string package in new[] { "libc6", "libmimalloc2.0", "libjemalloc2", "libtcmalloc-minimal4" })
        {
            string? version = PackageVersion(package);
            if (version is not null)
            {
                info.Libraries[package] = version;
            }
        }

        return info;
    }

    public override string ToString() =>
        $"{CpuModel}, {Cores} cores, {MemoryBytes / (1024.0 * 1024 * 1024):F0} GiB RAM, Linux {Kernel}, {DotNet}";

    private static string? ReadFile(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    private static string? ReadKey(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (string line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == key)
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    private static string? PackageVersion(string package)
    {
        try
        {
            var start = new ProcessStartInfo("dpkg-query", ["-W", "-f", "${Version}", package])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process? process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
