namespace Numa.Tests.Properties;

/// <summary>What the model knows of a live block: where, how big, the pattern it holds, its node and alignment.</summary>
internal sealed class ModelBlock
{
    public required nint Address { get; init; }

    public required nuint Size { get; init; }

    public required int Seed { get; init; }

    public required int Node { get; init; }

    public required nuint Alignment { get; init; }

    public override string ToString() => $"0x{Address:X} ({Size} bytes, node {Node}, aligned {Alignment})";
}
