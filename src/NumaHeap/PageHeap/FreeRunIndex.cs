using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace Numa.PageHeap;

/// <summary>
/// The free runs of one region ordered by (length, address): best fit with ties to the lowest
/// address is one descent. A treap over an array of nodes, so that no operation allocates once the
/// array has grown to the region's peak number of runs, and every operation is O(log n) expected.
/// </summary>
internal sealed class FreeRunIndex
{
    private Node[] _nodes = new Node[64];
    private int _root;
    private int _freeNode;
    private int _nextNode = 1; // node 0 is the null node
    private uint _seed = 0x9E3779B9;

    /// <summary>How many runs the index holds.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a run that is not in the index.</summary>
    public void Add(FreeRun run)
    {
        int node = NewNode(run);
        (int left, int right) = Split(_root, run);
        Debug.Assert(right == 0 || Key(Min(right)) > run, "The run is already in the index.");
        _root = Merge(Merge(left, node), right);
        Count++;
    }

    /// <summary>Removes a run that is in the index.</summary>
    public void Remove(FreeRun run)
    {
        (int left, int rest) = Split(_root, run);
        (int match, int right) = Split(rest, new FreeRun(run.Pages, run.Start + 1));
        if (match == 0 || _nodes[match].Left != 0 || _nodes[match].Right != 0)
        {
            throw new InvalidOperationException($"Heap corruption: the free run of {run.Pages} pages at 0x{run.Start:X} is not in the free-run index.");
        }

        _nodes[match].Left = _freeNode;
        _freeNode = match;
        _root = Merge(left, right);
        Count--;
    }

    /// <summary>The smallest run not ordered before <paramref name="key"/>: the best fit for <c>key.Pages</c> pages when <c>key.Start</c> is 0.</summary>
    public bool TryFindAtLeast(FreeRun key, out FreeRun run)
    {
        int best = 0;
        int node = _root;
        while (node != 0)
        {
            if (Key(node) >= key)
            {
                best = node;
                node = _nodes[node].Left;
            }
            else
            {
                node = _nodes[node].Right;
            }
        }

        run = best == 0 ? default : Key(best);
        return best != 0;
    }

    /// <summary>The longest run (the highest address among the longest).</summary>
    public bool TryFindLargest(out FreeRun run)
    {
        int node = _root;
        if (node == 0)
        {
            run = default;
            return false;
        }

        while (_nodes[node].Right != 0)
        {
            node = _nodes[node].Right;
        }

        run = Key(node);
        return true;
    }

    /// <summary>Copies every run, in order, into <paramref name="runs"/>.</summary>
    public void CopyTo(List<FreeRun> runs)
    {
        var stack = new Stack<int>();
        int node = _root;
        while (node != 0 || stack.Count > 0)
        {
            while (node != 0)
            {
                stack.Push(node);
                node = _nodes[node].Left;
            }

            node = stack.Pop();
            runs.Add(Key(node));
            node = _nodes[node].Right;
        }
    }

    private FreeRun Key(int node) => new(_nodes[node].Pages, _nodes[node].Start);

    private int Min(int node)
    {
        while (_nodes[node].Left != 0)
        {
            node = _nodes[node].Left;
        }

        return node;
    }

    private int NewNode(FreeRun run)
    {
        int node = _freeNode;
        if (node != 0)
        {
            _freeNode = _nodes[node].Left;
        }
        else
        {
            if (_nextNode == _nodes.Length)
            {
                Array.Resize(ref _nodes, _nodes.Length * 2);
            }

            node = _nextNode++;
        }

        // xorshift32: priorities only need to look random to keep the treap balanced.
        _seed ^= _seed << 13;
        _seed ^= _seed >> 17;
        _seed ^= _seed << 5;
        _nodes[node] = new Node { Pages = run.Pages, Start = run.Start, Priority = _seed };
        return node;
    }

    // Splits the tree into runs ordered before key and runs not ordered before key.
    private (int Left, int Right) Split(int node, FreeRun key)
    {
        if (node == 0)
        {
            return (0, 0);
        }

        if (Key(node) < key)
        {
            (int left, int right) = Split(_nodes[node].Right, key);
            _nodes[node].Right = left;
            return (node, right);
        }
        else
        {
            (int left, int right) = Split(_nodes[node].Left, key);
            _nodes[node].Left = right;
            return (left, node);
        }
    }

    private int Merge(int left, int right)
    {
        if (left == 0)
        {
            return right;
        }

        if (right == 0)
        {
            return left;
        }

        if (_nodes[left].Priority > _nodes[right].Priority)
        {
            _nodes[left].Right = Merge(_nodes[left].Right, right);
            return left;
        }

        _nodes[right].Left = Merge(left, _nodes[right].Left);
        return right;
    }

    private struct Node
    {
        public nuint Pages;
        public nuint Start;
        public uint Priority;
        public int Left;
        public int Right;
    }
}
