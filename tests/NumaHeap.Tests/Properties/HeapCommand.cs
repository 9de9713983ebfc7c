using System.Globalization;

namespace Numa.Tests.Properties;

/// <summary>
/// One step of a generated heap program. <see cref="Target"/> picks a live block by index (modulo the number of
/// live blocks), so any subsequence of a program is a valid program, which is what lets FsCheck shrink it.
/// </summary>
/// <param name="Kind">What the step does.</param>
/// <param name="Size">Requested bytes.</param>
/// <param name="Target">Which live block (modulo), which slot for a transfer, or which node for Bind and OnNode.</param>
/// <param name="AlignShift">log2 of the alignment for the aligned calls (0 .. 21).</param>
/// <param name="Placement">0 Local, 1 Interleaved, 2 OnNode(Target).</param>
/// <param name="Thread">The thread that runs the step in multi-thread programs.</param>
public readonly record struct HeapCommand(HeapCommandKind Kind, int Size, int Target, int AlignShift, int Placement, int Thread)
{
    public override string ToString()
    {
        string text = Kind switch
        {
            HeapCommandKind.Alloc or HeapCommandKind.AllocZeroed => $"{Kind}({Size})",
            HeapCommandKind.Realloc => $"Realloc(#{Target}, {Size})",
            HeapCommandKind.Free => $"Free(#{Target})",
            HeapCommandKind.AlignedAlloc => $"AlignedAlloc({Size}, 1<<{AlignShift})",
            HeapCommandKind.AlignedRealloc => $"AlignedRealloc(#{Target}, {Size}, 1<<{AlignShift})",
            HeapCommandKind.Allocate => $"Allocate({Size}, {PlacementText})",
            HeapCommandKind.Bind => $"Bind({Target})",
            HeapCommandKind.Transfer => $"Transfer(#{Target})",
            _ => Kind.ToString(),
        };

        return Thread == 0 ? text : string.Create(CultureInfo.InvariantCulture, $"T{Thread}:{text}");
    }

    private string PlacementText => Placement switch
    {
        0 => "Local",
        1 => "Interleaved",
        _ => $"OnNode({Target})",
    };
}
