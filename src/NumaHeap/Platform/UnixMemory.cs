using System;
using System.Numerics;
using System.Runtime.InteropServices;
using Numa.Platform.Interop;

namespace Numa.Platform;

/// <summary>The mmap-based reservation, commit and residency code shared by <see cref="LinuxOsMemory"/> and <see cref="PortableOsMemory"/>.</summary>
internal static unsafe class UnixMemory
{
    // mincore fills one byte per page; this many pages per call keeps the vector on the stack while a
    // 256 GiB region still takes only a few thousand calls.
    private const int ResidencyChunkPages = 4096;

    /// <summary>Reserves an aligned, inaccessible range with <c>mmap(PROT_NONE)</c> and the given anonymous-mapping flags.</summary>
    /// <exception cref="OutOfMemoryException">mmap or the trimming munmap failed; the message holds the errno.</exception>
    public static void* Reserve(nuint size, nuint alignment, nuint pageSize, int mapFlags, string flagNames)
    {
        ValidateReservation(size, alignment);
        alignment = Math.Max(alignment, pageSize);
        nuint alignedSize = AlignUpChecked(size, pageSize);

        // mmap only promises page alignment, so over-reserve by the worst-case misalignment and unmap
        // the slack at both ends; the kernel has no aligned-mmap flag.
        nuint slack = alignment - pageSize;
        if (alignedSize == 0 || alignedSize > nuint.MaxValue - slack)
        {
            throw new OutOfMemoryException($"Cannot reserve 0x{size:X} bytes aligned to 0x{alignment:X}: the size plus alignment exceeds the address space.");
        }

        nuint total = alignedSize + slack;
        void* mapping = Libc.Mmap(null, total, Libc.PROT_NONE, mapFlags, -1, 0);
        if (mapping == Libc.MapFailed)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new OutOfMemoryException(
                $"mmap(NULL, 0x{total:X}, PROT_NONE, {flagNames}) reserving 0x{size:X} bytes aligned to 0x{alignment:X} failed: {Errno.Describe(errno)}.");
        }

        nuint start = (nuint)mapping;
        nuint aligned = (start + alignment - 1) & ~(alignment - 1);
        nuint head = aligned - start;
        nuint tail = total - head - alignedSize;
        if ((head != 0 && Libc.Munmap(mapping, head) != 0) ||
            (tail != 0 && Libc.Munmap((void*)(aligned + alignedSize), tail) != 0))
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.Munmap(mapping, total);
            throw new OutOfMemoryException(
                $"munmap trimming the reservation at 0x{start:X} (0x{total:X} bytes) to alignment 0x{alignment:X} failed: {Errno.Describe(errno)}.");
        }

        return (void*)aligned;
    }

    /// <exception cref="InvalidOperationException">munmap failed; the message holds the errno.</exception>
    public static void Release(void* address, nuint size)
    {
        if (Libc.Munmap(address, size) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"munmap(0x{(nuint)address:X}, 0x{size:X}) failed: {Errno.Describe(errno)}.");
        }
    }

    /// <exception cref="OutOfMemoryException">mprotect failed; the message holds the errno.</exception>
    public static void Commit(void* address, nuint size)
    {
        if (Libc.Mprotect(address, size, Libc.PROT_READ | Libc.PROT_WRITE) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new OutOfMemoryException($"mprotect(0x{(nuint)address:X}, 0x{size:X}, PROT_READ|PROT_WRITE) failed: {Errno.Describe(errno)}.");
        }
    }

    /// <summary>Counts the resident bytes of a range with <c>mincore</c>; -1 when the range is not (entirely) mapped.</summary>
    public static long GetResidentBytes(void* address, nuint size, nuint pageSize)
    {
        if (size == 0)
        {
            return 0;
        }

        nuint start = (nuint)address & ~(pageSize - 1);
        nuint last = (nuint)address + (size - 1);
        if (last < (nuint)address)
        {
            return -1;
        }

        nuint pageCount = ((last - start) / pageSize) + 1;
        byte* vector = stackalloc byte[ResidencyChunkPages];
        long resident = 0;
        nuint at = start;
        while (pageCount != 0)
        {
            nuint chunk = Math.Min(pageCount, ResidencyChunkPages);
            if (Libc.Mincore((void*)at, chunk * pageSize, vector) != 0)
            {
                return -1;
            }

            // Only the low bit is defined; the others are reserved and may be set.
            for (nuint i = 0; i < chunk; i++)
            {
                resident += vector[i] & 1;
            }

            at += chunk * pageSize;
            pageCount -= chunk;
        }

        return resident * (long)pageSize;
    }

    /// <summary>
    /// With <c>mincore</c>, walking back from the end of a page-aligned range: the offset of the highest page from
    /// which the rest of the range holds at least <paramref name="residentBytes"/> resident bytes (0 when the whole
    /// range holds fewer); -1 when the range is not (entirely) mapped.
    /// </summary>
    public static long FindResidentSuffix(void* address, nuint size, nuint residentBytes, nuint pageSize)
    {
        nuint start = (nuint)address;
        if (((start | size) & (pageSize - 1)) != 0 || start + size < start)
        {
            return -1;
        }

        byte* vector = stackalloc byte[ResidencyChunkPages];
        nuint wanted = (residentBytes + pageSize - 1) / pageSize;
        nuint end = start + size;
        while (end > start && wanted != 0)
        {
            nuint chunk = Math.Min((end - start) / pageSize, ResidencyChunkPages);
            nuint chunkStart = end - (chunk * pageSize);
            if (Libc.Mincore((void*)chunkStart, chunk * pageSize, vector) != 0)
            {
                return -1;
            }

            for (nuint i = chunk; i-- > 0;)
            {
                if ((vector[i] & 1) != 0 && --wanted == 0)
                {
                    return (long)(chunkStart + (i * pageSize) - start);
                }
            }

            end = chunkStart;
        }

        return 0;
    }

    /// <summary>Rejects reservation requests that are caller bugs rather than a lack of memory.</summary>
    public static void ValidateReservation(nuint size, nuint alignment)
    {
        if (size == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "A reservation must hold at least one byte.");
        }

        if (!BitOperations.IsPow2(alignment))
        {
            throw new ArgumentException($"The alignment 0x{alignment:X} is not a power of two.", nameof(alignment));
        }
    }

    private static nuint AlignUpChecked(nuint value, nuint alignment)
    {
        nuint rounded = (value + alignment - 1) & ~(alignment - 1);
        return rounded < value ? 0 : rounded;
    }
}
