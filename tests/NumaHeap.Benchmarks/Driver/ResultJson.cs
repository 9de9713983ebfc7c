using System.Text.Encodings.Web;
using System.Text.Json;

namespace Numa.Benchmarks.Driver;

/// <summary>The JSON settings shared by the child's result line and the suite's results file.</summary>
public static class ResultJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,

        // Results are data files, not HTML: keep '+' and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };
}
