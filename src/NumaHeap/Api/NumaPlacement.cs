using System;

namespace Numa;

/// <summary>Where <see cref="NumaHeap.Allocate(nuint, NumaPlacement)"/> places a block.</summary>
public readonly struct NumaPlacement : IEquatable<NumaPlacement>
{
    private NumaPlacement(NumaPlacementKind kind, int node)
    {
        Kind = kind;
        Node = node;
    }

    /// <summary>On the node of the calling thread (what <see cref="NumaHeap.Alloc(nuint)"/> does).</summary>
    public static NumaPlacement Local => new(NumaPlacementKind.Local, -1);

    /// <summary>Pages spread round-robin over every node; <see cref="NumaHeap.GetNode"/> of such a block returns <see cref="NumaHeap.InterleavedNode"/>.</summary>
    public static NumaPlacement Interleaved => new(NumaPlacementKind.Interleaved, -1);

    /// <summary>On node <paramref name="node"/>, whatever thread allocates.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="node"/> is negative.</exception>
    public static NumaPlacement OnNode(int node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        return new NumaPlacement(NumaPlacementKind.OnNode, node);
    }

    /// <summary>The kind of placement.</summary>
    public NumaPlacementKind Kind { get; }

    /// <summary>The node of an <see cref="NumaPlacementKind.OnNode"/> placement; -1 otherwise.</summary>
    public int Node { get; }

    /// <inheritdoc />
    public bool Equals(NumaPlacement other) => Kind == other.Kind && Node == other.Node;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is NumaPlacement other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Node);

    /// <inheritdoc />
    public override string ToString() => Kind == NumaPlacementKind.OnNode ? $"OnNode({Node})" : Kind.ToString();

    /// <summary>Compares two placements.</summary>
    public static bool operator ==(NumaPlacement left, NumaPlacement right) => left.Equals(right);

    /// <summary>Compares two placements.</summary>
    public static bool operator !=(NumaPlacement left, NumaPlacement right) => !left.Equals(right);
}
