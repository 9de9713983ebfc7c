using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Allocators;

/// <summary>glibc's <c>malloc_trim</c>, looked up at run time so that other C runtimes simply skip it.</summary>
internal static unsafe class GlibcTrim
{
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out nint libc))
        {
            return;
        }

        if (NativeLibrary.TryGetExport(libc, "malloc_trim", out nint trim))
        {
            ((delegate* unmanaged<nuint, int>)trim)(0);
        }
    }
}
