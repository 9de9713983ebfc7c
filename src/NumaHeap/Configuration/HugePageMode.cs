namespace Numa.Configuration;

/// <summary>How the heap uses huge pages (<c>NUMAHEAP_HUGE_PAGES</c>).</summary>
internal enum HugePageMode
{
    /// <summary>Never ask for huge pages; purge at OS page granularity.</summary>
    Off,

    /// <summary>Ask for transparent huge pages (<c>MADV_HUGEPAGE</c>) where they pay off, on the big-block part of each region; purge there in huge-page units.</summary>
    Transparent,

    /// <summary>Back regions with explicit huge pages where configured; falls back to transparent.</summary>
    Explicit,
}
