using System;
using FsCheck;
using FsCheck.Fluent;
using Numa.Tests.Engine;
using Xunit;

namespace Numa.Tests.Properties;

/// <summary>
/// Random programs of Alloc, AllocZeroed, Realloc, Free, AlignedAlloc, AlignedRealloc, Allocate(placement),
/// Bind and Trim on a private heap with 1, 2 or 4 simulated nodes, checked against a model after every step.
/// </summary>
public sealed unsafe class SingleThreadHeapProperties
{
    // Validate after every step dominates the cost (about a millisecond on a loaded 2-core machine).
    private const int MaxLength = 50;

    /// <summary>
    /// Property: after every step no two live blocks overlap, every live block keeps its bytes (Realloc keeps
    /// min(old, new)), alignment holds, GetUsableSize is at least the size, GetNode is the node the block was
    /// placed on (CurrentNode for Local, n for OnNode(n), InterleavedNode for Interleaved), and Validate passes;
    /// once everything is freed the statistics report zero live bytes.
    /// </summary>
    [Theory]
    [InlineData(1, false, 100)]
    [InlineData(2, false, 100)]
    [InlineData(4, false, 100)]
    [InlineData(2, true, 60)]
    public void RandomPrograms_KeepTheModel_AndEndWithZeroLiveBytes(int nodes, bool checks, int programs)
    {
        Property property = Prop.ForAll(HeapCommandGenerator.Programs(threads: 1), program => RunProgram(program, nodes, checks));
        Check.One($"{nodes} node(s), checks {(checks ? "on" : "off")}", PropertyRuns.Create(programs, MaxLength), property);
    }

    private static void RunProgram(HeapCommand[] program, int nodes, bool checks)
    {
        using Heap heap = TestHeaps.Create(simulatedNodes: nodes, checks: checks, regionShift: 30);
        heap.BindCurrentThread(0);
        var model = new HeapModel(heap, nodes);
        foreach (HeapCommand command in program)
        {
            model.Run(command);
            model.CheckEdges(command);
            heap.Validate();
        }

        model.FreeAll();
        heap.Validate();
        NumaHeapStatistics statistics = heap.GetStatistics();
        if (statistics.LiveBytes != 0)
        {
            throw new InvalidOperationException($"Everything was freed but the statistics report {statistics.LiveBytes} live bytes.");
        }

        heap.Trim();
        heap.Validate();
        if (heap.GetStatistics().LiveBytes != 0)
        {
            throw new InvalidOperationException("After Trim the statistics report live bytes.");
        }
    }
}
