using System;

namespace Numa.PageHeap;

/// <summary>A free page run as the best-fit index orders it: by length, then by address.</summary>
/// <param name="Pages">Length in heap pages.</param>
/// <param name="Start">Address of the first page.</param>
internal readonly record struct FreeRun(nuint Pages, nuint Start) : IComparable<FreeRun>
{
    /// <inheritdoc />
    public int CompareTo(FreeRun other) =>
        Pages != other.Pages ? Pages.CompareTo(other.Pages) : Start.CompareTo(other.Start);

    public static bool operator <(FreeRun left, FreeRun right) => left.CompareTo(right) < 0;

    public static bool operator >(FreeRun left, FreeRun right) => left.CompareTo(right) > 0;

    public static bool operator <=(FreeRun left, FreeRun right) => left.CompareTo(right) <= 0;

    public static bool operator >=(FreeRun left, FreeRun right) => left.CompareTo(right) >= 0;
}
