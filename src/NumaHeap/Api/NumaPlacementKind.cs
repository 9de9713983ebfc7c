namespace Numa;

/// <summary>The kinds of <see cref="NumaPlacement"/>.</summary>
public enum NumaPlacementKind
{
    /// <summary>The node of the calling thread.</summary>
    Local,

    /// <summary>Pages interleaved over every node.</summary>
    Interleaved,

    /// <summary>One chosen node.</summary>
    OnNode,
}
