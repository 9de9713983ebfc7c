using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Numa.NumaVm;

/// <summary>What sysfs and procfs say about nodes, CPUs and the process's pages.</summary>
internal static class Sysfs
{
    private const string NodeRoot = "/sys/devices/system/node";

    /// <summary>The online OS nodes.</summary>
    public static int[] OnlineNodes() => ParseList(File.ReadAllText($"{NodeRoot}/online"));

    /// <summary>The CPUs of an OS node.</summary>
    public static int[] CpusOf(int osNode) => ParseList(File.ReadAllText($"{NodeRoot}/node{osNode}/cpulist"));

    /// <summary>An OS node's row of the distance table.</summary>
    public static int[] DistancesFrom(int osNode) =>
        Array.ConvertAll(File.ReadAllText($"{NodeRoot}/node{osNode}/distance").Split(' ', StringSplitOptions.RemoveEmptyEntries), s => int.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>The OS node of every CPU (index: CPU).</summary>
    public static int[] NodeOfEveryCpu()
    {
        var map = new int[Environment.ProcessorCount * 2 + 64];
        Array.Fill(map, -1);
        foreach (int node in OnlineNodes())
        {
            foreach (int cpu in CpusOf(node))
            {
                map[cpu] = node;
            }
        }

        return map;
    }

    /// <summary>
    /// Pages of the process per OS node, summed over the mappings whose policy line in
    /// /proc/self/numa_maps starts with <paramref name="policyPrefix"/> (e.g. "prefer:0").
    /// </summary>
    public static Dictionary<int, long> PagesByNode(string policyPrefix)
    {
        var pages = new Dictionary<int, long>();
        foreach (string line in File.ReadLines("/proc/self/numa_maps"))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !fields[1].StartsWith(policyPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (string field in fields)
            {
                if (field.Length > 1 && field[0] == 'N' && char.IsDigit(field[1]))
                {
                    int equals = field.IndexOf('=', StringComparison.Ordinal);
                    int node = int.Parse(field.AsSpan(1, equals - 1), CultureInfo.InvariantCulture);
                    pages[node] = pages.GetValueOrDefault(node) + long.Parse(field.AsSpan(equals + 1), CultureInfo.InvariantCulture);
                }
            }
        }

        return pages;
    }

    /// <summary>"0-2,5,7-8" → [0, 1, 2, 5, 7, 8].</summary>
    public static int[] ParseList(string text)
    {
        var items = new List<int>();
        foreach (string part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int dash = part.IndexOf('-', StringComparison.Ordinal);
            int first = int.Parse(dash < 0 ? part : part[..dash], CultureInfo.InvariantCulture);
            int last = dash < 0 ? first : int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture);
            for (int i = first; i <= last; i++)
            {
                items.Add(i);
            }
        }

        return [.. items];
    }
}
