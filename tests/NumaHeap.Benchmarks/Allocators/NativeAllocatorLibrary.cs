using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Allocators;

/// <summary>
/// A native allocator loaded from its shared library with <see cref="NativeLibrary"/>. The exports are looked up
/// on the library's own handle, so the plain <c>malloc</c>/<c>free</c> names resolve to that library's
/// implementation, not to the C runtime's.
/// </summary>
public sealed unsafe class NativeAllocatorLibrary
{
    private NativeAllocatorLibrary(string fileName, nint handle, nint malloc, nint free, nint realloc, nint release)
    {
        FileName = fileName;
        Handle = handle;
        Malloc = (delegate* unmanaged[SuppressGCTransition]<nuint, void*>)malloc;
        FreeFunction = (delegate* unmanaged[SuppressGCTransition]<void*, void>)free;
        Realloc = (delegate* unmanaged[SuppressGCTransition]<void*, nuint, void*>)realloc;
        ReleaseFunction = release;
    }

    public string FileName { get; }

    public nint Handle { get; }

    public delegate* unmanaged[SuppressGCTransition]<nuint, void*> Malloc { get; }

    public delegate* unmanaged[SuppressGCTransition]<void*, void> FreeFunction { get; }

    public delegate* unmanaged[SuppressGCTransition]<void*, nuint, void*> Realloc { get; }

    /// <summary>The library's "return free memory to the OS" entry point, or zero.</summary>
    public nint ReleaseFunction { get; }

    /// <summary>Loads <paramref name="fileName"/> and the first export found of each list of names.</summary>
    public static NativeAllocatorLibrary Load(string fileName, string[] mallocNames, string[] freeNames, string[] reallocNames, string? releaseName)
    {
        nint handle = NativeLibrary.Load(fileName);
        nint release = 0;
        if (releaseName is not null)
        {
            _ = NativeLibrary.TryGetExport(handle, releaseName, out release);
        }

        return new NativeAllocatorLibrary(fileName, handle, Export(handle, fileName, mallocNames), Export(handle, fileName, freeNames), Export(handle, fileName, reallocNames), release);
    }

    private static nint Export(nint handle, string fileName, string[] names)
    {
        foreach (string name in names)
        {
            if (NativeLibrary.TryGetExport(handle, name, out nint address))
            {
                return address;
            }
        }

        throw new EntryPointNotFoundException($"{fileName} exports none of {string.Join(", ", names)}.");
    }
}
