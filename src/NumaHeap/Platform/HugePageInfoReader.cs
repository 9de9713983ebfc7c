using System;
using System.Globalization;
using System.IO;

namespace Numa.Platform;

/// <summary>Reads <see cref="HugePageInfo"/> from the Linux transparent-huge-page sysfs directory and <c>/proc/meminfo</c>.</summary>
internal static class HugePageInfoReader
{
    public const string SystemTransparentDirectory = "/sys/kernel/mm/transparent_hugepage";
    public const string SystemMeminfoPath = "/proc/meminfo";

    /// <summary>Reads the running system's huge page settings; "unsupported" when they cannot be parsed.</summary>
    public static HugePageInfo ReadSystem()
    {
        try
        {
            return Read(SystemTransparentDirectory, SystemMeminfoPath);
        }
        catch (FormatException)
        {
            // Huge pages are an optimization: a kernel whose files look unlike any known one should
            // cost the heap its huge pages, not its start-up.
            return new HugePageInfo("unsupported", 0, 0, 0);
        }
    }

    /// <summary>Reads huge page settings from the given files; a missing or unreadable file counts as "not offered".</summary>
    /// <exception cref="FormatException">A file exists but a number in it cannot be parsed.</exception>
    public static HugePageInfo Read(string transparentDirectory, string meminfoPath)
    {
        string mode = ParseTransparentMode(TryReadAllText(Path.Combine(transparentDirectory, "enabled")));

        long hugePageSize = 0;
        long total = 0;
        long free = 0;
        string? meminfo = TryReadAllText(meminfoPath);
        if (meminfo is not null)
        {
            foreach (string line in meminfo.Split('\n'))
            {
                if (TryParseField(line, "Hugepagesize:", out long kilobytes))
                {
                    hugePageSize = kilobytes * 1024;
                }
                else if (TryParseField(line, "HugePages_Total:", out long value))
                {
                    total = value;
                }
                else if (TryParseField(line, "HugePages_Free:", out value))
                {
                    free = value;
                }
            }
        }

        // Kernels built without hugetlbfs print no Hugepagesize line, yet transparent huge pages still
        // come in PMD-sized units, which sysfs reports in bytes.
        if (hugePageSize == 0 && TryReadAllText(Path.Combine(transparentDirectory, "hpage_pmd_size")) is string pmdText)
        {
            hugePageSize = ParseLong(pmdText.Trim(), pmdText);
        }

        return new HugePageInfo(mode, hugePageSize, total, free);
    }

    /// <summary>The bracketed word of <c>always [madvise] never</c>, or "unsupported" when there is none.</summary>
    public static string ParseTransparentMode(string? enabledText)
    {
        if (enabledText is null)
        {
            return "unsupported";
        }

        int open = enabledText.IndexOf('[', StringComparison.Ordinal);
        int close = open < 0 ? -1 : enabledText.IndexOf(']', open + 1);
        if (close < 0)
        {
            return "unsupported";
        }

        return enabledText.AsSpan(open + 1, close - open - 1) switch
        {
            "always" => "always",
            "madvise" => "madvise",
            "never" => "never",
            _ => "unsupported",
        };
    }

    private static bool TryParseField(string line, string key, out long value)
    {
        if (!line.StartsWith(key, StringComparison.Ordinal))
        {
            value = 0;
            return false;
        }

        // "Hugepagesize:       2048 kB": the number is the first word after the key.
        string rest = line.Substring(key.Length).Trim();
        int space = rest.IndexOf(' ', StringComparison.Ordinal);
        value = ParseLong(space < 0 ? rest : rest.Substring(0, space), line);
        return true;
    }

    private static long ParseLong(string text, string context)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            throw new FormatException($"Cannot parse '{context.Trim()}' as a huge page setting.");
        }

        return value;
    }

    private static string? TryReadAllText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
