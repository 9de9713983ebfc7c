namespace Numa.Platform;

/// <summary>What the OS offers in huge pages, read once at start-up.</summary>
/// <param name="TransparentMode">Transparent huge pages: "always", "madvise", "never", or "unsupported".</param>
/// <param name="HugePageSize">The huge page size in bytes (2 MiB on x64), 0 when unknown.</param>
/// <param name="ExplicitTotal">Explicit huge pages configured (<c>HugePages_Total</c> / <c>vm.nr_hugepages</c>).</param>
/// <param name="ExplicitFree">Explicit huge pages free now.</param>
internal readonly record struct HugePageInfo(string TransparentMode, long HugePageSize, long ExplicitTotal, long ExplicitFree)
{
    /// <summary>True when transparent huge pages can be asked for with <c>MADV_HUGEPAGE</c>.</summary>
    public bool TransparentAvailable => TransparentMode is "always" or "madvise";

    /// <summary>True when explicit huge pages are configured and some are free.</summary>
    public bool ExplicitAvailable => ExplicitTotal > 0 && ExplicitFree > 0;
}
