using System;
using System.Collections.Generic;

namespace Numa.Adversarial;

/// <summary>Blocks of every kind that no scenario touches: their contents must survive it.</summary>
internal sealed unsafe class Bystanders
{
    private readonly List<(nint Block, int Size)> _blocks = new();

    public Bystanders()
    {
        foreach (int size in new[] { 16, 100, 1000, 4096, 50_000, 200_000, 300_000, 2 << 20 })
        {
            for (int i = 0; i < 8; i++)
            {
                byte* block = (byte*)NumaHeap.Alloc((nuint)size);
                new Span<byte>(block, size).Fill((byte)(size + i));
                _blocks.Add(((nint)block, size));
            }
        }
    }

    /// <summary>Checks every bystander's contents and frees it; throws on the first one damaged.</summary>
    public void Verify()
    {
        for (int i = 0; i < _blocks.Count; i++)
        {
            (nint block, int size) = _blocks[i];
            if (new Span<byte>((void*)block, size).IndexOfAnyExcept((byte)(size + (i % 8))) >= 0)
            {
                throw new InvalidOperationException($"The bystander block 0x{block:X} of {size} bytes was overwritten.");
            }

            NumaHeap.Free((void*)block);
        }
    }
}
