namespace Numa.Benchmarks.Driver;

/// <summary>
/// jemalloc keeps its thread state in initial-exec TLS, which a library opened with dlopen can only get from the
/// static TLS surplus; glibc's default surplus is too small ("cannot allocate memory in static TLS block"), so case
/// processes start with a larger one.
/// </summary>
public static class StaticTls
{
    private const string Tunable = "glibc.rtld.optional_static_tls=65536";

    public static string Tunables(string? existing) =>
        string.IsNullOrEmpty(existing) ? Tunable : existing.Contains("optional_static_tls", StringComparison.Ordinal) ? existing : existing + ":" + Tunable;
}
