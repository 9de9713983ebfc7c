namespace Numa;

/// <summary>The heap's page: the unit of the page map, of spans and of big-block runs.</summary>
/// <remarks>
/// 8 KiB, as in tcmalloc: twice the OS page so the page map is half as large, while a big block
/// rounded up to whole pages (big blocks start above 256 KiB) wastes at most 3%.
/// </remarks>
internal static class PageMapLayout
{
    /// <summary>log2 of <see cref="PageSize"/>.</summary>
    public const int PageShift = 13;

    /// <summary>Bytes in one heap page.</summary>
    public const nuint PageSize = (nuint)1 << PageShift;

    /// <summary>Mask of the offset inside a page.</summary>
    public const nuint PageMask = PageSize - 1;
}
