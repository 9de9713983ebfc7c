namespace Numa;

/// <summary>What a heap page holds, as its page-map entry records it.</summary>
internal enum PageKind : byte
{
    /// <summary>Never the first or last page of a run: beyond the region's frontier, or inside a run (see PageHeap's remarks).</summary>
    Unused = 0,

    /// <summary>A page of a small-object span; the entry holds the class and the span.</summary>
    Small,

    /// <summary>The first page of an allocated big block; the entry holds its length in pages.</summary>
    BigHead,

    /// <summary>The first page of a free run; the entry holds its length, state and the time it was freed.</summary>
    FreeHead,

    /// <summary>The last page of a free run of two or more pages; the entry holds its length.</summary>
    FreeTail,

    /// <summary>A page that was a run boundary or a span page and no longer is; as <see cref="Unused"/>, it says nothing about the run around it.</summary>
    FreeBody,
}
