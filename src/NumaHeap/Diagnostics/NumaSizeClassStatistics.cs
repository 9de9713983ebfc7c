namespace Numa;

/// <summary>How full the spans of one size class are on one node.</summary>
public sealed class NumaSizeClassStatistics
{
    /// <summary>The class's block size in bytes.</summary>
    public long BlockSize { get; init; }

    /// <summary>Blocks the class's spans on the node hold, live or free.</summary>
    public long CapacityBlocks { get; init; }

    /// <summary>Blocks handed out to the program and not freed.</summary>
    public long LiveBlocks { get; init; }

    /// <summary><see cref="LiveBlocks"/> over <see cref="CapacityBlocks"/>: 1 when every block of the class's spans is in use.</summary>
    public double Occupancy => CapacityBlocks > 0 ? (double)LiveBlocks / CapacityBlocks : 0;
}
