namespace Numa.Tests.Properties;

/// <summary>What one step of a generated heap program does.</summary>
public enum HeapCommandKind
{
    Alloc,
    AllocZeroed,
    Realloc,
    Free,
    AlignedAlloc,
    AlignedRealloc,
    Allocate,
    Bind,
    Trim,

    /// <summary>Multi-thread programs only: swap a block with a shared slot, taking another thread's block.</summary>
    Transfer,
}
