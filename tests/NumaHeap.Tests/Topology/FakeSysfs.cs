using System;
using System.Globalization;
using System.IO;

namespace Numa.Tests.Topology;

/// <summary>A temporary directory laid out like <c>/sys/devices/system/node</c>.</summary>
internal sealed class FakeSysfs : IDisposable
{
    public FakeSysfs() => Root = Directory.CreateTempSubdirectory("numaheap-sysfs-").FullName;

    public string Root { get; }

    public FakeSysfs Online(string list)
    {
        File.WriteAllText(Path.Combine(Root, "online"), list + "\n");
        return this;
    }

    /// <summary>Adds a node directory; a null argument leaves that file out.</summary>
    public FakeSysfs Node(int osNode, string? cpuList, string? distance, long? memTotalKb = null)
    {
        string directory = Directory.CreateDirectory(Path.Combine(Root, "node" + osNode.ToString(CultureInfo.InvariantCulture))).FullName;
        if (cpuList is not null)
        {
            File.WriteAllText(Path.Combine(directory, "cpulist"), cpuList + "\n");
        }

        if (distance is not null)
        {
            File.WriteAllText(Path.Combine(directory, "distance"), distance + "\n");
        }

        if (memTotalKb is long kb)
        {
            File.WriteAllText(
                Path.Combine(directory, "meminfo"),
                string.Create(CultureInfo.InvariantCulture, $"Node {osNode} MemTotal:       {kb} kB\nNode {osNode} MemFree:        1000 kB\n"));
        }

        return this;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
