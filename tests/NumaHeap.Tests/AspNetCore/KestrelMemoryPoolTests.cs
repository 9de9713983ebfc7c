using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Numa.AspNetCore;
using Xunit;

namespace Numa.Tests.AspNetCore;

/// <summary>Kestrel on 127.0.0.1 with AddNumaHeapMemoryPool: every response and request size gets through intact.</summary>
public sealed class KestrelMemoryPoolTests
{
    [Fact]
    public async Task Kestrel_ServesAndReceivesEverySize_FromTheNumaPool()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddNumaHeapMemoryPool();
        await using WebApplication app = builder.Build();
        app.MapGet("/bytes/{count:int}", (int count, HttpContext context) => context.Response.Body.WriteAsync(Pattern(count)).AsTask());
        app.MapPost("/echo", (HttpContext context) => context.Request.Body.CopyToAsync(context.Response.Body));
        await app.StartAsync();

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        foreach (int size in new[] { 13, 32 * 1024, 1024 * 1024 })
        {
            for (int round = 0; round < 5; round++)
            {
                byte[] served = await client.GetByteArrayAsync($"/bytes/{size}");
                Assert.Equal(Pattern(size), served);

                using HttpResponseMessage echoed = await client.PostAsync("/echo", new ByteArrayContent(Pattern(size)));
                echoed.EnsureSuccessStatusCode();
                Assert.Equal(Pattern(size), await echoed.Content.ReadAsByteArrayAsync());
            }
        }

        var factory = Assert.IsType<NumaPinnedMemoryPoolFactory>(app.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.Contains(factory.Created, pool => pool.SlabBytesAllocated > 0);
        await app.StopAsync();
    }

    [Fact]
    public void AddNumaHeapMemoryPool_ReplacesTheHostsFactory()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IMemoryPoolFactory<byte>, OtherFactory>();
        services.AddNumaHeapMemoryPool();
        Assert.Single(services, d => d.ServiceType == typeof(IMemoryPoolFactory<byte>));
        using ServiceProvider provider = services.BuildServiceProvider();
        Assert.IsType<NumaPinnedMemoryPoolFactory>(provider.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddNumaHeapMemoryPool());
    }

    private static byte[] Pattern(int count)
    {
        var bytes = new byte[count];
        for (int i = 0; i < count; i++)
        {
            bytes[i] = (byte)((i * 7) + (i >> 12));
        }

        return bytes;
    }

    private sealed class OtherFactory : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => MemoryPool<byte>.Shared;
    }
}
