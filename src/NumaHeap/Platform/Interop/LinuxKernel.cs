using System.Runtime.InteropServices;

namespace Numa.Platform.Interop;

/// <summary>
/// The Linux kernel interface beyond what libc exports portably: mmap and madvise flags whose values
/// are Linux's own, the NUMA memory-policy constants, and the NUMA syscalls, which glibc does not wrap
/// (libnuma does, and the heap does not depend on it).
/// </summary>
internal static unsafe class LinuxKernel
{
    public const int MAP_ANONYMOUS = 0x20;

    public const int MADV_HUGEPAGE = 14;
    public const int MADV_NOHUGEPAGE = 15;

    /// <summary><c>MADV_DONTDUMP</c>: leave the range out of core dumps.</summary>
    public const int MADV_DONTDUMP = 16;

    /// <summary><c>MADV_DODUMP</c>: undo <see cref="MADV_DONTDUMP"/>.</summary>
    public const int MADV_DODUMP = 17;

    public const int MPOL_DEFAULT = 0;
    public const int MPOL_PREFERRED = 1;
    public const int MPOL_BIND = 2;
    public const int MPOL_INTERLEAVE = 3;

    /// <summary><c>move_pages</c>/<c>mbind</c> flag: move the pages that only this process maps.</summary>
    public const int MPOL_MF_MOVE = 2;

    // Syscall numbers differ per architecture; -1 marks one without known numbers, where the heap
    // reports no NUMA support rather than guess.
    private static readonly int s_mbind = ForArchitecture(x64: 237, arm64: 235);
    private static readonly int s_setMempolicy = ForArchitecture(x64: 238, arm64: 237);
    private static readonly int s_getMempolicy = ForArchitecture(x64: 239, arm64: 236);
    private static readonly int s_movePages = ForArchitecture(x64: 279, arm64: 239);
    private static readonly int s_getcpu = ForArchitecture(x64: 309, arm64: 168);

    /// <summary><c>MAP_NORESERVE</c>: 0x4000 in the generic and x86 headers, 0x40 on POWER.</summary>
    public static readonly int MAP_NORESERVE = RuntimeInformation.ProcessArchitecture == Architecture.Ppc64le ? 0x40 : 0x4000;

    /// <summary>True when the syscall numbers of this architecture are known.</summary>
    public static bool HasNumaSyscalls => s_mbind >= 0;

    /// <summary><c>mbind(2)</c>. Returns 0, or -1 with the errno in <see cref="Marshal.GetLastPInvokeError"/>.</summary>
    public static int Mbind(void* address, nuint length, int mode, ulong* nodeMask, nuint maxNode, uint flags) =>
        (int)Invoke(s_mbind, (nint)address, (nint)length, mode, (nint)nodeMask, (nint)maxNode, (nint)flags);

    /// <summary><c>set_mempolicy(2)</c>: the calling thread's default policy for new pages.</summary>
    public static int SetMempolicy(int mode, ulong* nodeMask, nuint maxNode) =>
        (int)Invoke(s_setMempolicy, mode, (nint)nodeMask, (nint)maxNode, 0, 0, 0);

    /// <summary><c>get_mempolicy(2)</c>.</summary>
    public static int GetMempolicy(int* mode, ulong* nodeMask, nuint maxNode, void* address, uint flags) =>
        (int)Invoke(s_getMempolicy, (nint)mode, (nint)nodeMask, (nint)maxNode, (nint)address, (nint)flags, 0);

    /// <summary><c>move_pages(2)</c>; with <paramref name="nodes"/> null it only reports each page's node in <paramref name="status"/>.</summary>
    public static nint MovePages(int pid, nuint count, void** pages, int* nodes, int* status, int flags) =>
        Invoke(s_movePages, pid, (nint)count, (nint)pages, (nint)nodes, (nint)status, flags);

    /// <summary><c>getcpu(2)</c>: the CPU and node the calling thread runs on.</summary>
    public static int GetCpu(uint* cpu, uint* node) =>
        (int)Invoke(s_getcpu, (nint)cpu, (nint)node, 0, 0, 0, 0);

    private static int ForArchitecture(int x64, int arm64) => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => x64,
        Architecture.Arm64 => arm64,
        _ => -1,
    };

    private static nint Invoke(int number, nint arg1, nint arg2, nint arg3, nint arg4, nint arg5, nint arg6)
    {
        if (number < 0)
        {
            Marshal.SetLastPInvokeError(Errno.ENOSYS);
            return -1;
        }

        return Libc.Syscall(number, arg1, arg2, arg3, arg4, arg5, arg6);
    }
}
