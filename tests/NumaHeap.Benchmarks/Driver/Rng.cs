using System.Runtime.CompilerServices;

namespace Numa.Benchmarks.Driver;

/// <summary>A seeded xorshift64* generator: cheap next to an allocator call, identical sequences for every allocator.</summary>
public struct Rng
{
    private ulong _state;

    public Rng(ulong seed) => _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed * 0x9E3779B97F4A7C15UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>A value in [0, bound).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Below(int bound) => (int)((Next() >> 32) * (ulong)(uint)bound >> 32);

    /// <summary>A value in [min, max].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nuint Between(nuint min, nuint max) => min + (nuint)((Next() >> 1) % (ulong)(max - min + 1));

    /// <summary>A size in [min, max] whose logarithm is uniform: as many 64 KiB–128 KiB blocks as 16 MiB–32 MiB ones.</summary>
    public nuint LogUniform(nuint min, nuint max)
    {
        double unit = (Next() >> 11) * (1.0 / (1UL << 53));
        double value = Math.Exp(Math.Log(min) + (unit * (Math.Log(max) - Math.Log(min))));
        return (nuint)Math.Clamp(value, min, max);
    }
}
