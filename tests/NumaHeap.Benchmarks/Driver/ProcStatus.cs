using System.Globalization;

namespace Numa.Benchmarks.Driver;

/// <summary>Resident set sizes from <c>/proc/self/status</c> (zero where the file does not exist).</summary>
public static class ProcStatus
{
    /// <summary>Current resident set size in bytes.</summary>
    public static long ResidentBytes() => Read("VmRSS:");

    /// <summary>Peak resident set size in bytes since the process started or since <see cref="ResetPeak"/>.</summary>
    public static long PeakResidentBytes() => Read("VmHWM:");

    /// <summary>Resets VmHWM to the current RSS (Linux 4.0+: writing 5 to clear_refs), so that warm-up does not count.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Read(string key)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return 0;
        }

        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                string[] parts = line[key.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
