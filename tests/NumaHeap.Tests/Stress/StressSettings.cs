using System;
using System.Globalization;

namespace Numa.Tests.Stress;

/// <summary>
/// The shape of a stress run: threads per round, rounds (or a duration), operations per thread and
/// round, and the largest block. Each test gives CI defaults; the <c>NUMAHEAP_STRESS_*</c>
/// environment variables override them for long runs (see docs/stress.md).
/// </summary>
internal sealed record StressSettings
{
    /// <summary>Threads started in every round (a new set each round: thread churn).</summary>
    public int Threads { get; init; } = 4;

    /// <summary>Rounds to run; ignored when <see cref="Seconds"/> is set.</summary>
    public int Rounds { get; init; } = 10;

    /// <summary>When above zero, rounds repeat until this many seconds have passed (soak runs).</summary>
    public double Seconds { get; init; }

    /// <summary>Operations each thread performs in a round.</summary>
    public int OperationsPerThread { get; init; } = 2000;

    /// <summary>The largest block a thread allocates; a few in a thousand allocations are that big.</summary>
    public int MaxSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Slots of the shared transfer array through which blocks change threads.</summary>
    public int TransferSlots { get; init; } = 1000;

    /// <summary>The most blocks a thread keeps at a time.</summary>
    public int MaxLiveBlocksPerThread { get; init; } = 200;

    /// <summary>Seed of every random choice; a failure prints it.</summary>
    public int Seed { get; init; } = 20261122;

    /// <summary>These defaults, overridden by whichever <c>NUMAHEAP_STRESS_*</c> variables are set.</summary>
    /// <remarks>
    /// <c>NUMAHEAP_STRESS_SCALE</c> multiplies the operations per thread (a fraction shortens the run);
    /// <c>NUMAHEAP_STRESS_OPS</c> sets them outright.
    /// </remarks>
    public StressSettings WithEnvironment()
    {
        double scale = Read("NUMAHEAP_STRESS_SCALE", 1.0);
        return this with
        {
            Threads = (int)Read("NUMAHEAP_STRESS_THREADS", Threads),
            Rounds = (int)Read("NUMAHEAP_STRESS_ROUNDS", Rounds),
            Seconds = Read("NUMAHEAP_STRESS_SECONDS", Seconds),
            OperationsPerThread = (int)Read("NUMAHEAP_STRESS_OPS", Math.Max(1, Math.Round(OperationsPerThread * scale))),
            MaxSize = (int)Read("NUMAHEAP_STRESS_MAX_SIZE", MaxSize),
            Seed = (int)Read("NUMAHEAP_STRESS_SEED", Seed),
        };
    }

    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"threads={Threads} {(Seconds > 0 ? $"seconds={Seconds}" : $"rounds={Rounds}")} ops/thread/round={OperationsPerThread} maxSize={MaxSize} seed={Seed}");

    private static double Read(string name, double fallback)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < 0)
        {
            throw new InvalidOperationException($"{name}={text} is not a non-negative number.");
        }

        return value;
    }
}
