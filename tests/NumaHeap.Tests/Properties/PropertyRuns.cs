using System;
using System.Globalization;
using FsCheck;

namespace Numa.Tests.Properties;

/// <summary>
/// FsCheck settings shared by the heap properties: a fixed seed so that every run of the suite checks the
/// same programs, or another one from <c>NUMAHEAP_PROPERTY_SEED</c> ("seed,gamma" to replay what a failure
/// printed, "random" to explore). <c>NUMAHEAP_PROPERTY_SCALE=N</c> runs N times as many programs (a longer
/// search, for release checks). A failure throws with the seed, the original and the shrunk program.
/// </summary>
internal static class PropertyRuns
{
    public const string SeedVariable = "NUMAHEAP_PROPERTY_SEED";

    public const string ScaleVariable = "NUMAHEAP_PROPERTY_SCALE";

    private const ulong DefaultSeed = 0x4E554D4148454150; // "NUMAHEAP"
    private const ulong DefaultGamma = 0x9E3779B97F4A7C15; // odd, as SplitMix needs

    /// <summary>A config for <paramref name="maxTest"/> programs of up to <paramref name="maxLength"/> commands.</summary>
    public static Config Create(int maxTest, int maxLength)
    {
        string? scaleText = Environment.GetEnvironmentVariable(ScaleVariable);
        int scale = 1;
        if (!string.IsNullOrWhiteSpace(scaleText)
            && (!int.TryParse(scaleText, NumberStyles.Integer, CultureInfo.InvariantCulture, out scale) || scale < 1))
        {
            throw new InvalidOperationException($"{ScaleVariable} is '{scaleText}'; expected a positive integer.");
        }

        Config config = Config.QuickThrowOnFailure
            .WithMaxTest(checked(maxTest * scale))
            .WithStartSize(Math.Min(8, maxLength))
            .WithEndSize(maxLength)
            .WithQuietOnSuccess(true);
        string? replay = Environment.GetEnvironmentVariable(SeedVariable);
        if (string.Equals(replay, "random", StringComparison.OrdinalIgnoreCase))
        {
            return config;
        }

        if (string.IsNullOrWhiteSpace(replay))
        {
            return config.WithReplay(DefaultSeed, DefaultGamma);
        }

        string[] parts = replay.Trim('(', ')', ' ').Split(',');
        if (parts.Length != 2
            || !ulong.TryParse(parts[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong seed)
            || !ulong.TryParse(parts[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong gamma))
        {
            throw new InvalidOperationException($"{SeedVariable} is '{replay}'; expected 'seed,gamma' (as a failure prints it) or 'random'.");
        }

        return config.WithReplay(seed, gamma);
    }
}
