using System;
using System.Runtime.InteropServices;
using Numa.Platform;

namespace Numa.Tests.Engine;

/// <summary>
/// A reserved region and a page map of its own, for testing one <see cref="PageHeap.PageHeap"/>
/// without a heap around it (no maintenance timer, no thread caches).
/// </summary>
internal sealed unsafe class StandalonePageHeapRegion : IDisposable
{
    private readonly void* _region;
    private readonly PageEntry* _map;
    private readonly nuint _size;

    public StandalonePageHeapRegion(nuint size, OsMemory? os = null)
    {
        _size = size;
        Os = os ?? OsMemory.Default;
        _region = Os.Reserve(size, 2 * 1024 * 1024);
        _map = (PageEntry*)NativeMemory.AllocZeroed(size / PageMapLayout.PageSize, (nuint)sizeof(PageEntry));
    }

    /// <summary>The OS layer the region and its page heaps use.</summary>
    public OsMemory Os { get; }

    /// <summary>A page heap over the whole region (one at a time: they share the page map).</summary>
    public PageHeap.PageHeap CreatePageHeap(int purgeDelayMs, int residentLimitPercent = 0) =>
        new(Os, _map, (nuint)_region, (nuint)_region, _size, hugePages: false, purgeDelayMs, residentLimitPercent);

    public void Dispose()
    {
        NativeMemory.Free(_map);
        Os.Release(_region, _size);
    }
}
