using System;
using System.Runtime.InteropServices;

namespace Numa.NumaVm;

/// <summary>
/// The kernel's own answers, asked without the heap's code: <c>move_pages</c> for where a page is,
/// <c>sched_getcpu</c>/<c>sched_*affinity</c> for where a thread runs (x86-64 Linux only).
/// </summary>
internal static unsafe partial class Kernel
{
    private const int SysMovePages = 279;

    public const int PageSize = 4096;

    /// <summary>The OS node of each page (negative: an errno, e.g. -ENOENT for a page never touched).</summary>
    public static int[] NodesOfPages(ReadOnlySpan<nint> pages)
    {
        var status = new int[pages.Length];
        fixed (nint* pagePointers = pages)
        fixed (int* statusPointer = status)
        {
            if (Syscall(SysMovePages, 0, pages.Length, (nint)pagePointers, 0, (nint)statusPointer, 0) != 0)
            {
                throw new InvalidOperationException($"move_pages failed: errno {Marshal.GetLastPInvokeError()}.");
            }
        }

        return status;
    }

    /// <summary>The start of every page of [block, block + size).</summary>
    public static nint[] PagesOf(nint block, long size)
    {
        nint first = block & ~(nint)(PageSize - 1);
        long count = ((block + size - first) + PageSize - 1) / PageSize;
        var pages = new nint[count];
        for (long i = 0; i < count; i++)
        {
            pages[i] = first + (nint)(i * PageSize);
        }

        return pages;
    }

    /// <summary>The OS node of every page of a block.</summary>
    public static int[] NodesOfBlock(void* block, long size) => NodesOfPages(PagesOf((nint)block, size));

    public static int CurrentCpu() => SchedGetCpu();

    /// <summary>Pins the calling thread to the CPUs, as a program would without the heap.</summary>
    public static void SetAffinity(ReadOnlySpan<int> cpus)
    {
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        foreach (int cpu in cpus)
        {
            mask[cpu >> 6] |= 1UL << (cpu & 63);
        }

        if (SchedSetAffinity(0, 16 * sizeof(ulong), mask) != 0)
        {
            throw new InvalidOperationException($"sched_setaffinity failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>The CPUs the calling thread may run on.</summary>
    public static int[] GetAffinity()
    {
        ulong* mask = stackalloc ulong[16];
        if (SchedGetAffinity(0, 16 * sizeof(ulong), mask) != 0)
        {
            throw new InvalidOperationException($"sched_getaffinity failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        var cpus = new System.Collections.Generic.List<int>();
        for (int cpu = 0; cpu < 16 * 64; cpu++)
        {
            if ((mask[cpu >> 6] & (1UL << (cpu & 63))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int SchedGetCpu();

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nuint size, ulong* mask);
}
