using System.Collections.Generic;

namespace Numa;

/// <summary>A snapshot of the heap's counters, per node and in total, from <see cref="NumaHeap.GetStatistics"/>.</summary>
public sealed class NumaHeapStatistics
{
    /// <summary>Per node, indexed by node number.</summary>
    public required IReadOnlyList<NumaNodeStatistics> Nodes { get; init; }

    /// <summary>The interleaved heap (blocks of <see cref="NumaPlacement.Interleaved"/>).</summary>
    public required NumaNodeStatistics Interleaved { get; init; }

    /// <summary>Threads that hold a thread cache now.</summary>
    public int ThreadCaches { get; init; }

    /// <summary>
    /// Exceptions met where no caller could catch them, by the background maintenance (an OS refusal
    /// to decommit) or by a thread cache returned after its thread exited (a corruption found with
    /// checks on); the heap stays usable, and the work is tried again later.
    /// </summary>
    public long MaintenanceErrors { get; init; }

    /// <summary>The last of <see cref="MaintenanceErrors"/>, or null.</summary>
    public System.Exception? LastMaintenanceError { get; init; }

    /// <summary>Bytes in live blocks over every node and the interleaved heap.</summary>
    public long LiveBytes => Sum(static n => n.LiveBytes);

    /// <summary>Committed bytes over every node and the interleaved heap.</summary>
    public long CommittedBytes => Sum(static n => n.CommittedBytes);

    /// <summary>Resident bytes over every node and the interleaved heap; -1 when the OS does not report them.</summary>
    public long ResidentBytes
    {
        get
        {
            bool unknown = Interleaved.ResidentBytes < 0;
            foreach (NumaNodeStatistics node in Nodes)
            {
                unknown |= node.ResidentBytes < 0;
            }

            return unknown ? -1 : Sum(static n => n.ResidentBytes);
        }
    }

    /// <summary>Committed bytes that hold no live block, over every node and the interleaved heap (<see cref="NumaNodeStatistics.ExternalFragmentationBytes"/>).</summary>
    public long ExternalFragmentationBytes => Sum(static n => n.ExternalFragmentationBytes);

    /// <summary><see cref="ExternalFragmentationBytes"/> as a share of <see cref="CommittedBytes"/> (0 when nothing is committed).</summary>
    public double ExternalFragmentation => CommittedBytes > 0 ? (double)ExternalFragmentationBytes / CommittedBytes : 0;

    /// <summary>Bytes cached in threads over every node and the interleaved heap.</summary>
    public long CachedInThreadsBytes => Sum(static n => n.CachedInThreadsBytes);

    /// <summary>Bytes of free page runs over every node and the interleaved heap.</summary>
    public long FreeRunBytes => Sum(static n => n.FreeRunBytes);

    /// <summary>Remote frees sent over every node.</summary>
    public long RemoteFreesSent => Sum(static n => n.RemoteFreesSent);

    /// <summary>Remote frees received over every node.</summary>
    public long RemoteFreesReceived => Sum(static n => n.RemoteFreesReceived);

    /// <summary>Purges over every node.</summary>
    public long Purges => Sum(static n => n.Purges);

    private long Sum(System.Func<NumaNodeStatistics, long> selector)
    {
        long total = selector(Interleaved);
        foreach (NumaNodeStatistics node in Nodes)
        {
            total += selector(node);
        }

        return total;
    }
}
