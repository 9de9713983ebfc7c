using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Numa.SizeClasses;

namespace Numa.ThreadCaches;

/// <summary>A thread cache's free blocks of one size class: an intrusive singly linked list.</summary>
/// <remarks>
/// <para>
/// A free block's first word links to the next one, so the list costs no memory of its own. The list
/// holds a copy of its class's block-start test, so that Free reads it from the line it pushes to.
/// </para>
/// <para>
/// The list counts its frees (the local-free statistic) with no second counter: a free adds one to
/// <see cref="Frees"/>, a pop adds one to <see cref="FullAt"/>, and the count and the room left follow
/// from the two. One write per free, a 64-byte list and <see cref="Frees"/> at offset 0 are what let
/// the JIT hoist the thread-local lookup out of a caller's loop (docs/design-notes.md).
/// </para>
/// </remarks>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal unsafe struct FreeList
{
    /// <summary>Blocks the owning thread has freed into the list since its cache's counts were last folded into the node.</summary>
    public ulong Frees;

    /// <summary>The first free block, or null.</summary>
    public void* Head;

    /// <summary>The low 32 bits of <see cref="Frees"/> at which the list holds <see cref="Limit"/> blocks.</summary>
    public uint FullAt;

    /// <summary>The most blocks the list keeps before a batch goes back to the node heap; adapts to demand.</summary>
    public ushort Limit;

    /// <summary>Refills and overflows since the last scavenge: zero means the class sat idle.</summary>
    public ushort Activity;

    /// <summary>The class's <see cref="SizeClassInfo.BlockStart"/>, set when the cache is created.</summary>
    public BlockStartTest BlockStart;

    /// <summary>How many more frees the list takes before it holds <see cref="Limit"/> blocks (negative: over).</summary>
    public readonly int Room
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (int)(FullAt - (uint)Frees);
    }

    /// <summary>Blocks in the list.</summary>
    public readonly int Count => Limit - Room;

    /// <summary>Records a block popped from the list (or taken from it by a flush).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnTaken(int blocks = 1) => FullAt += (uint)blocks;

    /// <summary>Sets the count after the blocks were replaced (a refill, a cut after corruption).</summary>
    public void SetCount(int count)
    {
        Debug.Assert(count >= 0);
        FullAt = (uint)Frees + (uint)(Limit - count);
    }

    /// <summary>Returns <see cref="Frees"/> and restarts it from zero, keeping the count.</summary>
    public ulong TakeFrees()
    {
        ulong frees = Frees;
        FullAt = (uint)Room;
        Frees = 0;
        return frees;
    }

    /// <summary>Changes the limit, keeping the count.</summary>
    public void SetLimit(int limit)
    {
        int count = Count;
        Limit = (ushort)limit;
        SetCount(count);
    }
}
