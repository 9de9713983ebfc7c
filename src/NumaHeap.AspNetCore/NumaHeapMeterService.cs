using System;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Numa.AspNetCore;

/// <summary>Creates the heap's meter from the host's <see cref="IMeterFactory"/> when the host starts, where the host has one.</summary>
internal sealed class NumaHeapMeterService(IServiceProvider services) : IHostedService
{
    /// <summary>The meter made from the host's factory, or null (no factory, or not started).</summary>
    public Meter? Meter { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IMeterFactory>() is IMeterFactory factory)
        {
            Meter = NumaHeap.CreateMeter(factory);
        }

        return Task.CompletedTask;
    }

    // The factory owns the meter and disposes it with the host.
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
