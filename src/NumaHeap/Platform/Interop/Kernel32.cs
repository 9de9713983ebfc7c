using System.Runtime.InteropServices;

namespace Numa.Platform.Interop;

/// <summary>The Windows virtual-memory and affinity functions the heap uses.</summary>
/// <remarks>BOOL results are declared as <see cref="int"/> so that every signature stays blittable.</remarks>
internal static unsafe partial class Kernel32
{
    private const string LibraryName = "kernel32";

    public const uint MEM_COMMIT = 0x00001000;
    public const uint MEM_RESERVE = 0x00002000;
    public const uint MEM_DECOMMIT = 0x00004000;
    public const uint MEM_RELEASE = 0x00008000;

    public const uint PAGE_NOACCESS = 0x01;
    public const uint PAGE_READWRITE = 0x04;

    public const int ERROR_INVALID_PARAMETER = 87;
    public const int ERROR_NOT_SUPPORTED = 50;

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial void* VirtualAlloc(void* address, nuint size, uint allocationType, uint protection);

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial int VirtualFree(void* address, nuint size, uint freeType);

    [LibraryImport(LibraryName)]
    public static partial nint GetCurrentThread();

    [LibraryImport(LibraryName, SetLastError = true)]
    public static partial nuint SetThreadAffinityMask(nint thread, nuint affinityMask);
}
