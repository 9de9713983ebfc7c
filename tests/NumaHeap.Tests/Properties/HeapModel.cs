using System;
using System.Collections.Generic;
using System.Threading;
using Numa.Tests.Contract;

namespace Numa.Tests.Properties;

/// <summary>
/// Runs heap programs against a heap and a model of what must hold: each live block's pattern, node,
/// alignment and size. Every violation throws with the step and the block, so FsCheck sees a failure.
/// One instance per thread; <see cref="Slots"/> is shared between the threads of a multi-thread program.
/// </summary>
internal sealed unsafe class HeapModel
{
    private static int s_nextSeed;

    private readonly Heap _heap;
    private readonly int _nodes;
    private readonly List<ModelBlock> _live = new();

    public HeapModel(Heap heap, int nodes, ModelBlock?[]? slots = null)
    {
        _heap = heap;
        _nodes = nodes;
        Slots = slots;
    }

    /// <summary>The transfer slots shared by the threads, or null in single-thread programs.</summary>
    public ModelBlock?[]? Slots { get; }

    public IReadOnlyList<ModelBlock> Live => _live;

    /// <summary>Blocks this thread took over from another one through the slots.</summary>
    public int Received { get; private set; }

    public void Run(HeapCommand command)
    {
        switch (command.Kind)
        {
            case HeapCommandKind.Alloc:
                Add(_heap.Alloc((nuint)command.Size), command, _heap.CurrentNode, 16);
                break;
            case HeapCommandKind.AllocZeroed:
                {
                    void* block = _heap.AllocZeroed((nuint)command.Size);
                    Check(!new ReadOnlySpan<byte>(block, command.Size).ContainsAnyExcept((byte)0), command, "AllocZeroed returned non-zero bytes");
                    Add(block, command, _heap.CurrentNode, 16);
                    break;
                }

            case HeapCommandKind.AlignedAlloc:
                Add(_heap.AlignedAlloc((nuint)command.Size, (nuint)1 << command.AlignShift), command, _heap.CurrentNode, (nuint)1 << command.AlignShift);
                break;
            case HeapCommandKind.Allocate:
                {
                    (NumaPlacement placement, int node) = command.Placement switch
                    {
                        0 => (NumaPlacement.Local, _heap.CurrentNode),
                        1 => (NumaPlacement.Interleaved, NumaHeap.InterleavedNode),
                        _ => (NumaPlacement.OnNode(command.Target % _nodes), command.Target % _nodes),
                    };
                    void* block = _heap.Allocate((nuint)command.Size, placement);
                    Add(block, command, placement.Kind == NumaPlacementKind.Local ? _heap.CurrentNode : node, 16);
                    break;
                }

            case HeapCommandKind.Realloc:
            case HeapCommandKind.AlignedRealloc:
                Resize(command);
                break;
            case HeapCommandKind.Free:
                if (_live.Count > 0)
                {
                    // The engine has one Free; NumaHeap.AlignedFree forwards to it.
                    ModelBlock block = Take(command.Target, command);
                    _heap.Free((void*)block.Address);
                }

                break;
            case HeapCommandKind.Bind:
                _heap.BindCurrentThread(command.Target % _nodes);
                break;
            case HeapCommandKind.Trim:
                _heap.Trim();
                break;
            case HeapCommandKind.Transfer:
                Transfer(command);
                break;
        }
    }

    /// <summary>The cheap per-step check: the first and last bytes of every live block still hold their pattern.</summary>
    public void CheckEdges(HeapCommand command)
    {
        foreach (ModelBlock block in _live)
        {
            nuint edge = Math.Min(block.Size, 64);
            nuint tail = block.Size - edge;
            Check(BytePattern.Holds((void*)block.Address, edge, block.Seed), command, $"the start of {block} was overwritten");
            Check(BytePattern.Holds((byte*)block.Address + tail, edge, block.Seed + (int)(tail % 251)), command, $"the end of {block} was overwritten");
        }
    }

    /// <summary>Frees every live block after checking all of its bytes.</summary>
    public void FreeAll()
    {
        var end = new HeapCommand(HeapCommandKind.Free, 0, 0, 0, 0, 0);
        while (_live.Count > 0)
        {
            ModelBlock block = Take(_live.Count - 1, end);
            _heap.Free((void*)block.Address);
        }
    }

    private void Resize(HeapCommand command)
    {
        bool aligned = command.Kind == HeapCommandKind.AlignedRealloc;
        nuint alignment = aligned ? (nuint)1 << command.AlignShift : 16;
        if (_live.Count == 0)
        {
            void* fresh = aligned
                ? _heap.AlignedRealloc(null, (nuint)command.Size, alignment)
                : _heap.Realloc(null, (nuint)command.Size);
            Add(fresh, command, _heap.CurrentNode, alignment);
            return;
        }

        ModelBlock old = Take(command.Target, command);
        void* resized = aligned
            ? _heap.AlignedRealloc((void*)old.Address, (nuint)command.Size, alignment)
            : _heap.Realloc((void*)old.Address, (nuint)command.Size);
        nuint kept = Math.Min(old.Size, (nuint)command.Size);
        long mismatch = BytePattern.FindMismatch(resized, kept, old.Seed);
        Check(mismatch < 0, command, $"resizing {old} to {command.Size} bytes at 0x{(nint)resized:X} lost byte {mismatch}");

        // In place the block keeps its node; moved, it comes from the calling thread's node.
        int node = (nint)resized == old.Address ? old.Node : _heap.CurrentNode;
        Add(resized, command, node, alignment);
    }

    /// <summary>Takes every block left in the shared slots (after the threads are done), giving nothing back.</summary>
    public void TakeAllFromSlots()
    {
        ModelBlock?[] slots = Slots ?? throw new InvalidOperationException("No shared slots.");
        for (int slot = 0; slot < slots.Length; slot++)
        {
            Receive(Interlocked.Exchange(ref slots[slot], null), new HeapCommand(HeapCommandKind.Transfer, 0, slot, 0, 0, 0));
        }
    }

    private void Transfer(HeapCommand command)
    {
        ModelBlock?[] slots = Slots ?? throw new InvalidOperationException("Transfer needs shared slots.");
        ModelBlock? give = _live.Count > 0 ? Take(command.Target, command) : null;
        Receive(Interlocked.Exchange(ref slots[command.Target % slots.Length], give), command);
    }

    // A block another thread wrote and placed: its bytes and node must be what that thread saw.
    private void Receive(ModelBlock? taken, HeapCommand command)
    {
        if (taken is not null)
        {
            long mismatch = BytePattern.FindMismatch((void*)taken.Address, taken.Size, taken.Seed);
            Check(mismatch < 0, command, $"{taken} from another thread changed at byte {mismatch}");
            Check(_heap.GetNode((void*)taken.Address) == taken.Node, command, $"{taken} from another thread reports node {_heap.GetNode((void*)taken.Address)}");
            _live.Add(taken);
            Received++;
        }
    }

    // Removes a live block from the model after checking every byte of it.
    private ModelBlock Take(int target, HeapCommand command)
    {
        int index = target % _live.Count;
        ModelBlock block = _live[index];
        _live[index] = _live[^1];
        _live.RemoveAt(_live.Count - 1);
        long mismatch = BytePattern.FindMismatch((void*)block.Address, block.Size, block.Seed);
        Check(mismatch < 0, command, $"{block} changed at byte {mismatch} while it was live");
        return block;
    }

    private void Add(void* address, HeapCommand command, int node, nuint alignment)
    {
        var block = new ModelBlock
        {
            Address = (nint)address,
            Size = (nuint)command.Size,
            Seed = Interlocked.Increment(ref s_nextSeed),
            Node = node,
            Alignment = alignment,
        };

        Check(address != null, command, "the heap returned null");
        Check((nuint)address % alignment == 0, command, $"{block} is not aligned to {alignment}");
        Check(_heap.GetUsableSize(address) >= block.Size, command, $"{block} has a usable size of {_heap.GetUsableSize(address)}");
        int reported = _heap.GetNode(address);
        Check(reported == node, command, $"{block} reports node {reported}");

        // Zero-size blocks count as one byte: two live blocks never share an address.
        nuint end = (nuint)address + Math.Max(block.Size, 1);
        foreach (ModelBlock other in _live)
        {
            nuint otherEnd = (nuint)other.Address + Math.Max(other.Size, 1);
            Check(end <= (nuint)other.Address || otherEnd <= (nuint)address, command, $"{block} overlaps the live block {other}");
        }

        BytePattern.Fill(address, block.Size, block.Seed);
        _live.Add(block);
    }

    private static void Check(bool condition, HeapCommand command, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"After {command}: {problem}.");
        }
    }
}
