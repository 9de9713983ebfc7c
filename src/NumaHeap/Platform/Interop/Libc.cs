using System.Runtime.InteropServices;

namespace Numa.Platform.Interop;

/// <summary>The C library functions shared by every Unix-like OS the heap runs on.</summary>
/// <remarks>
/// The runtime maps the name <c>libc</c> to the platform's C library (<c>libc.so.6</c>, <c>libc.dylib</c>,
/// <c>libc.so.7</c>). Only constants whose values agree on Linux, macOS, the BSDs and illumos live here;
/// the rest belong to the OS-specific classes.
/// </remarks>
internal static unsafe partial class Libc
{
    private const string LibraryName = "libc";

    public const int PROT_NONE = 0;
    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;

    public const int MAP_PRIVATE = 0x02;
    public const int MAP_FIXED = 0x10;

    public const int MADV_DONTNEED = 4;

    /// <summary>What <see cref="Mmap"/> returns on failure: <c>(void*)-1</c>, not null.</summary>
    public static void* MapFailed => (void*)-1;

    [LibraryImport(LibraryName, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport(LibraryName, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(void* address, nuint length);

    [LibraryImport(LibraryName, EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport(LibraryName, EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(void* address, nuint length, int advice);

    [LibraryImport(LibraryName, EntryPoint = "mincore", SetLastError = true)]
    public static partial int Mincore(void* address, nuint length, byte* vector);

    [LibraryImport(LibraryName, EntryPoint = "sched_setaffinity", SetLastError = true)]
    public static partial int SchedSetAffinity(int pid, nuint cpuSetSize, ulong* mask);

    [LibraryImport(LibraryName, EntryPoint = "sched_getaffinity", SetLastError = true)]
    public static partial int SchedGetAffinity(int pid, nuint cpuSetSize, ulong* mask);

    /// <summary>The raw <c>syscall(2)</c> entry point, for the NUMA calls libc does not wrap.</summary>
    /// <remarks>
    /// <c>syscall</c> is variadic. Declaring it with six fixed register-sized arguments is sound on the
    /// Linux x64 and arm64 ABIs, where variadic integer arguments travel in the same registers as fixed
    /// ones; unused arguments are passed as zero and ignored by the kernel.
    /// </remarks>
    [LibraryImport(LibraryName, EntryPoint = "syscall", SetLastError = true)]
    public static partial nint Syscall(nint number, nint arg1, nint arg2, nint arg3, nint arg4, nint arg5, nint arg6);
}
