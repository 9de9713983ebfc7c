using System;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Numa.AspNetCore;

namespace Numa.KestrelLoad;

/// <summary>
/// The server of the Kestrel load test: <c>GET /bytes/{n}</c> answers n bytes, <c>POST /echo</c>
/// sends the request body back. <c>--pool numa</c> registers NumaHeap's pool, <c>--pool default</c>
/// leaves Kestrel's own.
/// </summary>
internal static class Program
{
    private static readonly ConcurrentDictionary<int, byte[]> s_bodies = new();

    private static void Main(string[] args)
    {
        string pool = "default";
        string url = "http://127.0.0.1:5077";
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--pool":
                    pool = args[i + 1];
                    break;
                case "--url":
                    url = args[i + 1];
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'; expected --pool numa|default and --url.");
            }
        }

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls(url);
        if (pool == "numa")
        {
            builder.Services.AddNumaHeapMemoryPool();
        }
        else if (pool != "default")
        {
            throw new ArgumentException($"Unknown pool '{pool}'; expected numa or default.");
        }

        WebApplication app = builder.Build();
        app.MapGet("/bytes/{count:int}", (int count, HttpContext context) =>
        {
            byte[] body = s_bodies.GetOrAdd(count, static n => new byte[n]);
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        app.MapPost("/echo", (HttpContext context) =>
        {
            context.Response.ContentLength = context.Request.ContentLength;
            return context.Request.Body.CopyToAsync(context.Response.Body);
        });
        Console.WriteLine($"listening on {url} with the {pool} pool");
        app.Run();
    }
}
