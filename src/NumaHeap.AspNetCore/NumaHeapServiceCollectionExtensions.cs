using System;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.ObjectPool;
using Numa.Extensions.ObjectPool;

namespace Numa.AspNetCore;

/// <summary>Registration of NumaHeap's pools with an ASP.NET Core host.</summary>
public static class NumaHeapServiceCollectionExtensions
{
    /// <summary>
    /// Registers all of NumaHeap with a host: Kestrel's buffers from <see cref="NumaPinnedMemoryPool"/>
    /// (<see cref="AddNumaHeapMemoryPool"/>), <see cref="NumaObjectPoolProvider"/> as the
    /// <see cref="ObjectPoolProvider"/>, and the heap's instruments in a meter of the host's
    /// <see cref="System.Diagnostics.Metrics.IMeterFactory"/>, created when the host starts.
    /// Replaces the memory pool factory and object pool provider the host registered.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddNumaHeap(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddNumaHeapMemoryPool();
        services.RemoveAll<ObjectPoolProvider>();
        services.AddSingleton<ObjectPoolProvider, NumaObjectPoolProvider>();
        services.TryAddSingleton<NumaHeapMeterService>();
        services.AddHostedService(static provider => provider.GetRequiredService<NumaHeapMeterService>());
        return services;
    }

    /// <summary>
    /// Makes Kestrel (and any other user of <see cref="IMemoryPoolFactory{T}"/> from DI) rent its
    /// buffers from <see cref="NumaPinnedMemoryPool"/>: pinned, array-backed blocks on the node of the
    /// renting thread. Replaces the factory the host registered.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddNumaHeapMemoryPool(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.RemoveAll<IMemoryPoolFactory<byte>>();
        services.AddSingleton<IMemoryPoolFactory<byte>, NumaPinnedMemoryPoolFactory>();
        return services;
    }
}
