using System;
using System.Collections.Generic;
using Microsoft.Diagnostics.Tracing;

namespace Numa.ToolsCheck;

/// <summary>
/// Reads a .nettrace file that <c>dotnet-trace collect --providers NumaHeap</c> wrote and checks that
/// it holds the heap's events: prints each event name with its count, and fails when an expected
/// name (the arguments after the file) is missing.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: NumaHeap.ToolsCheck <trace.nettrace> [expected event name...]");
            return 2;
        }

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using (var source = new EventPipeEventSource(args[0]))
        {
            source.Dynamic.All += traceEvent =>
            {
                if (traceEvent.ProviderName == "NumaHeap")
                {
                    counts[traceEvent.EventName] = counts.GetValueOrDefault(traceEvent.EventName) + 1;
                }
            };
            source.Process();
        }

        foreach ((string name, int count) in counts)
        {
            Console.WriteLine($"NumaHeap/{name}: {count}");
        }

        int missing = 0;
        for (int i = 1; i < args.Length; i++)
        {
            if (!counts.ContainsKey(args[i]))
            {
                Console.Error.WriteLine($"no NumaHeap/{args[i]} event in {args[0]}");
                missing++;
            }
        }

        return missing == 0 ? 0 : 1;
    }
}
