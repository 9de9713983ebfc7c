using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace Numa;

/// <summary>Builds <see cref="NumaTopology"/> instances: from Linux sysfs, as a one-node fallback, or simulated.</summary>
internal static class TopologyReader
{
    /// <summary>Where Linux describes the NUMA nodes.</summary>
    public const string SystemNodeRoot = "/sys/devices/system/node";

    /// <summary>The ACPI SLIT distance of a node to itself.</summary>
    public const int LocalDistance = 10;

    /// <summary>The distance assumed between different nodes when the OS does not say (the SLIT default for one hop).</summary>
    public const int RemoteDistance = 20;

    /// <summary>The running machine's topology; one node holding every CPU where sysfs is absent or unreadable.</summary>
    public static NumaTopology ReadSystem() =>
        OperatingSystem.IsLinux() ? ReadSystem(SystemNodeRoot) : CreateSingleNode(Environment.ProcessorCount);

    /// <summary>The topology described by a sysfs node directory; one node holding every CPU when it is absent or unreadable.</summary>
    public static NumaTopology ReadSystem(string sysfsNodeRoot)
    {
        try
        {
            return Parse(sysfsNodeRoot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // A container may mask sysfs, and the heap must start regardless; a single node is always a
            // correct (if less precise) description of the machine.
            return CreateSingleNode(Environment.ProcessorCount);
        }
    }

    /// <summary>Reads a sysfs node directory strictly.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="FormatException">A file does not hold what the kernel writes there, or no node has a CPU.</exception>
    public static NumaTopology Parse(string sysfsNodeRoot)
    {
        ArgumentNullException.ThrowIfNull(sysfsNodeRoot);
        if (!Directory.Exists(sysfsNodeRoot))
        {
            throw new DirectoryNotFoundException($"'{sysfsNodeRoot}' does not exist.");
        }

        int[] osNodes = ReadOnlineNodes(sysfsNodeRoot);
        int nodeCount = osNodes.Length;
        var nodes = new NumaNode[nodeCount];
        var distances = new int[nodeCount * nodeCount];
        int highestCpu = -1;
        for (int id = 0; id < nodeCount; id++)
        {
            string directory = Path.Combine(sysfsNodeRoot, "node" + osNodes[id].ToString(CultureInfo.InvariantCulture));
            if (!Directory.Exists(directory))
            {
                throw new FormatException($"Node {osNodes[id]} is online but '{directory}' does not exist.");
            }

            // A memory-only node (CXL memory, a GPU's) has no cpulist or an empty one.
            string cpuListPath = Path.Combine(directory, "cpulist");
            int[] cpus = File.Exists(cpuListPath) ? ParseListFile(cpuListPath) : [];
            foreach (int cpu in cpus)
            {
                highestCpu = Math.Max(highestCpu, cpu);
            }

            nodes[id] = new NumaNode(id, osNodes[id], Array.AsReadOnly(cpus), ReadMemTotal(directory));
            ReadDistances(directory, id, nodeCount, distances);
        }

        if (highestCpu < 0)
        {
            throw new FormatException($"No node under '{sysfsNodeRoot}' lists a CPU.");
        }

        var cpuToNode = new int[highestCpu + 1];
        var seen = new bool[highestCpu + 1];
        foreach (NumaNode node in nodes)
        {
            foreach (int cpu in node.Cpus)
            {
                if (seen[cpu])
                {
                    throw new FormatException($"CPU {cpu} is listed by more than one node under '{sysfsNodeRoot}'.");
                }

                seen[cpu] = true;
                cpuToNode[cpu] = node.Id;
            }
        }

        return new NumaTopology(nodes, distances, cpuToNode, isSimulated: false);
    }

    /// <summary>One node (OS node 0) holding CPUs 0 .. <paramref name="processorCount"/> - 1.</summary>
    public static NumaTopology CreateSingleNode(int processorCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(processorCount, 1);
        var cpus = new int[processorCount];
        for (int cpu = 0; cpu < cpus.Length; cpu++)
        {
            cpus[cpu] = cpu;
        }

        var node = new NumaNode(0, 0, Array.AsReadOnly(cpus), 0);
        return new NumaTopology([node], [LocalDistance], new int[processorCount], isSimulated: false);
    }

    /// <summary>
    /// Deals the CPUs of <paramref name="real"/> out over <paramref name="nodeCount"/> logical nodes whose
    /// memory all comes from the real node 0, so that multi-node code paths run on a one-node machine.
    /// </summary>
    /// <remarks>
    /// The CPUs, in ascending order, are split into contiguous groups whose sizes differ by at most one,
    /// the larger groups first; with fewer CPUs than nodes, CPU i lands on node i and the remaining nodes
    /// get none. Each node reports an equal share of the real node 0's memory.
    /// </remarks>
    public static NumaTopology Simulate(NumaTopology real, int nodeCount)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);

        var allCpus = new List<int>();
        foreach (NumaNode node in real.Nodes)
        {
            allCpus.AddRange(node.Cpus);
        }

        allCpus.Sort();
        NumaNode backing = real.Nodes[0];
        long memoryPerNode = backing.MemoryBytes / nodeCount;
        int baseCount = allCpus.Count / nodeCount;
        int largerGroups = allCpus.Count % nodeCount;

        var nodes = new NumaNode[nodeCount];
        var cpuToNode = new int[allCpus.Count == 0 ? 1 : allCpus[^1] + 1];
        int next = 0;
        for (int id = 0; id < nodeCount; id++)
        {
            var cpus = new int[baseCount + (id < largerGroups ? 1 : 0)];
            for (int i = 0; i < cpus.Length; i++)
            {
                cpus[i] = allCpus[next++];
                cpuToNode[cpus[i]] = id;
            }

            nodes[id] = new NumaNode(id, backing.OsNode, Array.AsReadOnly(cpus), memoryPerNode);
        }

        var distances = new int[nodeCount * nodeCount];
        for (int from = 0; from < nodeCount; from++)
        {
            for (int to = 0; to < nodeCount; to++)
            {
                distances[(from * nodeCount) + to] = from == to ? LocalDistance : RemoteDistance;
            }
        }

        return new NumaTopology(nodes, distances, cpuToNode, isSimulated: true);
    }

    private static int[] ReadOnlineNodes(string root)
    {
        string onlinePath = Path.Combine(root, "online");
        if (File.Exists(onlinePath))
        {
            int[] online = ParseListFile(onlinePath);
            if (online.Length == 0)
            {
                throw new FormatException($"'{onlinePath}' lists no node.");
            }

            return online;
        }

        // Without the online list every node directory counts.
        var found = new List<int>();
        foreach (string directory in Directory.EnumerateDirectories(root, "node*"))
        {
            string name = Path.GetFileName(directory);
            if (int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int osNode))
            {
                found.Add(osNode);
            }
        }

        if (found.Count == 0)
        {
            throw new FormatException($"'{root}' holds no node directory.");
        }

        found.Sort();
        return [.. found];
    }

    private static int[] ParseListFile(string path)
    {
        try
        {
            return CpuListParser.Parse(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"'{path}': {e.Message}", e);
        }
    }

    private static void ReadDistances(string directory, int id, int nodeCount, int[] distances)
    {
        string path = Path.Combine(directory, "distance");
        if (!File.Exists(path))
        {
            for (int to = 0; to < nodeCount; to++)
            {
                distances[(id * nodeCount) + to] = id == to ? LocalDistance : RemoteDistance;
            }

            return;
        }

        // One entry per online node in ascending node order, which is the logical order too.
        string text = File.ReadAllText(path);
        string[] fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != nodeCount)
        {
            throw new FormatException($"'{path}' holds {fields.Length} distances for {nodeCount} online nodes: '{text.Trim()}'.");
        }

        for (int to = 0; to < nodeCount; to++)
        {
            if (!int.TryParse(fields[to], NumberStyles.None, CultureInfo.InvariantCulture, out int distance) || distance == 0)
            {
                throw new FormatException($"'{path}' holds '{text.Trim()}', not a row of distances.");
            }

            distances[(id * nodeCount) + to] = distance;
        }
    }

    private static long ReadMemTotal(string directory)
    {
        string path = Path.Combine(directory, "meminfo");
        if (!File.Exists(path))
        {
            return 0;
        }

        // "Node 0 MemTotal:       4024096 kB"
        foreach (string line in File.ReadLines(path))
        {
            int key = line.IndexOf("MemTotal:", StringComparison.Ordinal);
            if (key < 0)
            {
                continue;
            }

            string[] fields = line.Substring(key + "MemTotal:".Length).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kilobytes))
            {
                throw new FormatException($"'{path}' holds '{line.Trim()}', not a memory size.");
            }

            return kilobytes * 1024;
        }

        return 0;
    }
}
