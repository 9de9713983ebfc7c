using System;
using System.Globalization;

namespace Numa.Tests.Stress;

/// <summary>What a <see cref="StressRun"/> did.</summary>
internal sealed record StressReport(
    int Rounds,
    int Threads,
    long Operations,
    long Allocations,
    long BytesAllocated,
    long Transfers,
    long BytesTransferred,
    long Reallocs,
    long Migrations,
    long CheckedBlocks,
    long ContentErrors,
    TimeSpan Elapsed)
{
    public override string ToString() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{Rounds} rounds, {Threads} threads, {Operations:N0} operations ({Allocations:N0} allocations, {Reallocs:N0} reallocs of which {Migrations:N0} by another thread, {Transfers:N0} transfers), " +
            $"{BytesAllocated / (1024.0 * 1024):N1} MiB allocated, {BytesTransferred / (1024.0 * 1024):N1} MiB handed between threads, {CheckedBlocks:N0} block checks, {ContentErrors} content errors, {Elapsed.TotalSeconds:N1} s");
}
