using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Numa.Benchmarks.Driver;

/// <summary>
/// What a page fault costs on this machine, with 4 KiB pages and with transparent huge pages: touches 256 MiB
/// page by page, gives it back with <c>MADV_DONTNEED</c> and touches it again, several rounds. This is the price
/// of every purged page that is reused, so it decides how much a purge policy may give back.
/// </summary>
internal static unsafe partial class PageFaultCost
{
    private const nuint Size = 256 * 1024 * 1024;
    private const nuint HugePage = 2 * 1024 * 1024;
    private const int Rounds = 4;
    private const int ProtReadWrite = 0x3;
    private const int MapPrivateAnonymous = 0x22;
    private const int MadvDontNeed = 4;
    private const int MadvHugePage = 14;
    private const int MadvNoHugePage = 15;

    public static int Run(TextWriter output)
    {
        if (!OperatingSystem.IsLinux())
        {
            output.WriteLine("faults: Linux only.");
            return 2;
        }

        output.WriteLine($"Touching {Size >> 20} MiB page by page, then MADV_DONTNEED, {Rounds} rounds (the first also faults in the host's memory on a VM):");
        foreach (bool huge in new[] { false, true })
        {
            byte* mapping = Mmap(null, Size + HugePage, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            if (mapping == (byte*)-1)
            {
                output.WriteLine("faults: mmap failed.");
                return 1;
            }

            byte* p = (byte*)(((nuint)mapping + HugePage - 1) & ~(HugePage - 1));
            _ = Madvise(p, Size, huge ? MadvHugePage : MadvNoHugePage);
            var times = new List<double>();
            for (int round = 0; round < Rounds; round++)
            {
                long start = Stopwatch.GetTimestamp();
                for (nuint offset = 0; offset < Size; offset += 4096)
                {
                    p[offset] = 1;
                }

                times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / (Size / 4096));
                _ = Madvise(p, Size, MadvDontNeed);
            }

            _ = Munmap(mapping, Size + HugePage);
            output.WriteLine($"  {(huge ? "transparent huge pages" : "4 KiB pages           ")}: µs per 4 KiB faulted in, by round: {string.Join("  ", times.Select(t => t.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
        }

        return 0;
    }

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial byte* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
