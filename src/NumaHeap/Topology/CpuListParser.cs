using System;
using System.Collections.Generic;
using System.Globalization;

namespace Numa;

/// <summary>Parses the kernel's list format for CPU and node sets: <c>0-3,8-11</c>, <c>1,3,5</c>, or empty.</summary>
internal static class CpuListParser
{
    /// <summary>The highest id accepted; far beyond any machine, low enough that a corrupt range cannot exhaust memory.</summary>
    public const int MaxId = (1 << 20) - 1;

    /// <summary>The ids of the list in ascending order, without duplicates.</summary>
    /// <exception cref="FormatException">The text is not a list of ids and ranges; the message quotes it.</exception>
    public static int[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // sysfs files end in a newline, and a node without CPUs holds nothing else.
        ReadOnlySpan<char> remaining = text.AsSpan().Trim();
        if (remaining.IsEmpty)
        {
            return [];
        }

        var ids = new SortedSet<int>();
        while (true)
        {
            int comma = remaining.IndexOf(',');
            ReadOnlySpan<char> item = comma < 0 ? remaining : remaining.Slice(0, comma);
            int dash = item.IndexOf('-');
            int first = ParseId(dash < 0 ? item : item.Slice(0, dash), text);
            int last = dash < 0 ? first : ParseId(item.Slice(dash + 1), text);
            if (last < first)
            {
                throw Malformed(text);
            }

            for (int id = first; id <= last; id++)
            {
                ids.Add(id);
            }

            if (comma < 0)
            {
                break;
            }

            remaining = remaining.Slice(comma + 1);
        }

        var result = new int[ids.Count];
        ids.CopyTo(result);
        return result;
    }

    private static int ParseId(ReadOnlySpan<char> digits, string text)
    {
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id > MaxId)
        {
            throw Malformed(text);
        }

        return id;
    }

    private static FormatException Malformed(string text) =>
        new($"'{text.TrimEnd()}' is not a CPU list (ids and ranges such as 0-3,8-11).");
}
