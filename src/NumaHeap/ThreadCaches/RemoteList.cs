using System.Runtime.InteropServices;

namespace Numa.ThreadCaches;

/// <summary>Blocks of one size class freed by this thread that belong to another node, waiting to travel home as one batch.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct RemoteList
{
    /// <summary>The first block of the chain, or null.</summary>
    public void* Head;

    /// <summary>Blocks in the chain.</summary>
    public int Count;

    private int _padding;
}
