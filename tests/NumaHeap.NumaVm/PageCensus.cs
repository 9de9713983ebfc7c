using System.Collections.Generic;
using System.Linq;

namespace Numa.NumaVm;

/// <summary>How many pages the kernel reports on each OS node.</summary>
internal sealed class PageCensus
{
    private readonly SortedDictionary<int, long> _pages = new();

    public long Total { get; private set; }

    public unsafe void AddBlock(void* block, long size) => Add(Kernel.NodesOfBlock(block, size));

    public void Add(IEnumerable<int> nodes)
    {
        foreach (int node in nodes)
        {
            _pages[node] = _pages.GetValueOrDefault(node) + 1;
            Total++;
        }
    }

    public long On(int node) => _pages.GetValueOrDefault(node);

    /// <summary>True when every page is on the node.</summary>
    public bool AllOn(int node) => Total > 0 && On(node) == Total;

    /// <summary>True when each of the nodes holds within <paramref name="tolerance"/> of an even share, and no page is elsewhere.</summary>
    public bool EvenOver(IReadOnlyCollection<int> nodes, double tolerance)
    {
        double share = (double)Total / nodes.Count;
        return Total > 0 && nodes.Sum(On) == Total && nodes.All(n => System.Math.Abs(On(n) - share) <= tolerance * share);
    }

    public override string ToString() => string.Join(" ", _pages.Select(p => $"N{p.Key}={p.Value}"));
}
