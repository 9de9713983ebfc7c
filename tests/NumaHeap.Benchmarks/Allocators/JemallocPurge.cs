using System.Runtime.InteropServices;
using System.Text;

namespace Numa.Benchmarks.Allocators;

/// <summary>Asks jemalloc to purge the dirty pages of every arena (<c>mallctl("arena.4096.purge")</c>).</summary>
internal static unsafe class JemallocPurge
{
    public static void Purge(nint library)
    {
        if (!NativeLibrary.TryGetExport(library, "mallctl", out nint mallctl))
        {
            return;
        }

        // 4096 is MALLCTL_ARENAS_ALL: the operation applies to all arenas.
        byte[] name = Encoding.ASCII.GetBytes("arena.4096.purge\0");
        fixed (byte* namePtr = name)
        {
            _ = ((delegate* unmanaged<byte*, void*, nuint*, void*, nuint, int>)mallctl)(namePtr, null, null, null, 0);
        }
    }
}
