using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;
using Numa.AspNetCore;
using Numa.Extensions.ObjectPool;
using Xunit;

namespace Numa.Tests.AspNetCore;

/// <summary>services.AddNumaHeap(): the pools and a meter scoped to the host's IMeterFactory.</summary>
public sealed class AddNumaHeapTests
{
    [Fact]
    public async Task AddNumaHeap_RegistersThePools_AndTheHostsMeterFactoryGetsTheInstruments()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ObjectPoolProvider, DefaultObjectPoolProvider>();
        builder.Services.AddNumaHeap();
        using IHost host = builder.Build();
        Assert.IsType<NumaObjectPoolProvider>(host.Services.GetRequiredService<ObjectPoolProvider>());
        Assert.IsType<NumaPinnedMemoryPoolFactory>(host.Services.GetRequiredService<IMemoryPoolFactory<byte>>());

        await host.StartAsync();
        Meter? meter = host.Services.GetRequiredService<NumaHeapMeterService>().Meter;
        Assert.NotNull(meter);
        Assert.Equal("NumaHeap", meter.Name);
        Assert.Same(host.Services.GetRequiredService<IMeterFactory>(), meter.Scope);

        // A listener of the host's meter alone (not the static one) sees the heap's live bytes.
        var names = new HashSet<string>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => names.Add(instrument.Name));
            listener.Start();
            listener.RecordObservableInstruments();
        }

        Assert.Contains("numaheap.live_bytes", names);
        Assert.Contains("numaheap.spilled_bytes", names);

        // A second meter from the same factory is the same meter, instrumented once.
        Assert.Same(meter, NumaHeap.CreateMeter(host.Services.GetRequiredService<IMeterFactory>()));
        int liveInstruments = 0;
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) => liveInstruments += ReferenceEquals(instrument.Meter, meter) && instrument.Name == "numaheap.live_bytes" ? 1 : 0;
            listener.Start();
        }

        Assert.Equal(1, liveInstruments);
        await host.StopAsync();
    }
}
