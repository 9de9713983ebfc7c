using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Numa.NodeHeaps;
using Numa.Platform;
using static Numa.PageMapLayout;

namespace Numa.PageHeap;

/// <summary>
/// The page allocator of one region: big blocks and small-object spans are runs of heap pages.
/// Freed runs merge with free neighbours at once (their boundaries are in the page map), are
/// reused best-fit before the region's frontier moves, dirty runs before purged ones, and go back
/// to the OS after <see cref="PurgeDelayMs"/>, on <see cref="Purge(bool)"/> with force, or, with a
/// resident limit, as soon as the pages in use and the resident free pages exceed it: the excess,
/// from the end of the largest dirty run.
/// </summary>
/// <remarks>
/// All members take the instance's lock; callers never hold it. Only run boundaries are exact in the
/// page map: a big block has its head entry, a free run its head and tail; body entries are left as
/// they were (<see cref="PageKind.FreeBody"/> or <see cref="PageKind.Unused"/>), so that taking and freeing a 32 MiB block writes
/// two entries instead of four thousand. Free only ever trusts a head entry, and a head is cleared
/// whenever its run ends, so a stale body entry can only make a bad pointer fail, never succeed.
/// Span pages are the exception: every one of them says which span it belongs to, and they are
/// cleared when the span goes.
/// </remarks>
internal sealed unsafe class PageHeap
{
    /// <summary>The frontier is committed in steps of this many bytes, to keep mprotect calls and VMAs few.</summary>
    private const nuint CommitStep = 4 * 1024 * 1024;

    /// <summary>The huge page size purges respect when transparent huge pages are in use.</summary>
    private const nuint HugePageSize = 2 * 1024 * 1024;

    /// <summary>A resident limit never leaves less room than this above the peak in use.</summary>
    private const nuint ResidentSlackFloor = 8 * 1024 * 1024;

    /// <summary>What a merged run takes from its neighbours: resident pages, and pages that need a commit.</summary>
    private const FreeRunFlags MergedFlags = FreeRunFlags.Dirty | FreeRunFlags.Decommitted;

    private readonly object _lock = new();
    private readonly OsMemory _os;
    private readonly PageEntry* _map;
    private readonly nuint _heapBase;
    private readonly nuint _start;
    private readonly nuint _end;
    private readonly bool _hugePages;
    private readonly bool _countsBoundResidency;
    private readonly FreeRunIndex _dirtyRuns = new();
    private readonly FreeRunIndex _cleanRuns = new();
    private readonly int _residentLimitPercent;
    private nuint _top;
    private nuint _committedTop;
    private nuint _freeBytes;
    private nuint _cleanFreeBytes;
    private nuint _dirtyBytes; // free pages that may be resident: the sum of the runs' resident counts
    private nuint _peakInUse;
    private nuint _bigLiveBytes;
    private nuint _spanBytes;
    private long _purges;
    private long _purgedBytes;

    public PageHeap(OsMemory os, PageEntry* map, nuint heapBase, nuint start, nuint size, bool hugePages, int purgeDelayMs, int residentLimitPercent = 0)
    {
        Debug.Assert((start & PageMask) == 0 && (size & PageMask) == 0);
        Debug.Assert(residentLimitPercent == 0 || residentLimitPercent >= 100);
        _residentLimitPercent = residentLimitPercent;
        _os = os;
        _map = map;
        _heapBase = heapBase;
        _start = start;
        _end = start + size;
        _top = start;
        _committedTop = start;
        _hugePages = hugePages;

        // With huge pages, a block's first touch may fault in the edge of the free run next to it,
        // so a run's resident count bounds what the OS holds only where the region has none.
        _countsBoundResidency = !hugePages && os.HugePages.TransparentMode != "always";
        PurgeDelayMs = purgeDelayMs;
    }

    /// <summary>How long a free run stays committed before the decay purge gives it back.</summary>
    public int PurgeDelayMs { get; }

    /// <summary>The first address of the region.</summary>
    public nuint Start => _start;

    /// <summary>The region's length in bytes.</summary>
    public nuint Size => _end - _start;

    /// <summary>The frontier: pages below it have been handed out at least once.</summary>
    public nuint Top => Volatile.Read(ref _top);

    /// <summary>The end of the committed pages: at or above <see cref="Top"/>, a commit step at a time.</summary>
    public nuint CommittedTop => Volatile.Read(ref _committedTop);

    private nuint InUse => _bigLiveBytes + _spanBytes;

    /// <summary>Takes a run of <paramref name="pages"/> pages for a big block and marks it in the page map.</summary>
    /// <returns>The run's address, or 0 when the region has no room.</returns>
    public nuint AllocateBig(nuint pages, nuint alignPages, out bool zeroed)
    {
        lock (_lock)
        {
            nuint start = AllocateRun(pages, alignPages, out zeroed);
            if (start != 0)
            {
                Entry(start) = new PageEntry { Kind = PageKind.BigHead, Value = pages };
                _bigLiveBytes += pages << PageShift;
                OnInUseGrown();
            }

            return start;
        }
    }

    /// <summary>Frees the big block at <paramref name="start"/>.</summary>
    /// <returns>False when <paramref name="start"/> is no longer the head of a big block: another thread freed it first.</returns>
    public bool FreeBig(nuint start)
    {
        lock (_lock)
        {
            // The caller saw a head without the lock; a racing double free sees it gone here.
            ref PageEntry head = ref Entry(start);
            if (head.Kind != PageKind.BigHead)
            {
                return false;
            }

            nuint pages = head.Value;
            _bigLiveBytes -= pages << PageShift;
            FreeRunLocked(start, pages, clearBody: false);
            return true;
        }
    }

    /// <summary>
    /// The big block or free run holding <paramref name="address"/>, for the message of a bad pointer:
    /// only run heads say what a run is, so this walks back to one, under the lock so that a free
    /// merging runs at the same moment cannot hide the head.
    /// </summary>
    /// <returns>The run's first page and <see cref="PageKind.BigHead"/> or <see cref="PageKind.FreeHead"/>, or (0, <see cref="PageKind.Unused"/>) when no run holds the address.</returns>
    public (nuint RunStart, PageKind Kind) FindRun(nuint address)
    {
        lock (_lock)
        {
            if (address < _start || address >= _top)
            {
                return (0, PageKind.Unused);
            }

            for (nuint page = address & ~PageMask; ; page -= PageSize)
            {
                ref PageEntry entry = ref Entry(page);
                if (entry.Kind is PageKind.BigHead or PageKind.FreeHead)
                {
                    return address < page + (entry.Value << PageShift) ? (page, entry.Kind) : (0, PageKind.Unused);
                }

                // A free run's tail, or a span page, below the address ends the run that holds it.
                bool ownPage = page == (address & ~PageMask);
                if (page == _start || (!ownPage && !IsBodyKind(entry.Kind)) || entry.Kind == PageKind.Small)
                {
                    return (0, PageKind.Unused);
                }
            }
        }
    }

    /// <summary>Grows the big block at <paramref name="start"/> in place into a free neighbour or the frontier.</summary>
    /// <exception cref="InvalidOperationException">The block is no longer <paramref name="oldPages"/> pages long: another thread freed or resized it.</exception>
    public bool TryGrowBig(nuint start, nuint oldPages, nuint newPages)
    {
        Debug.Assert(newPages > oldPages);
        lock (_lock)
        {
            CheckBigHead(start, oldPages);
            nuint next = start + (oldPages << PageShift);
            nuint extra = newPages - oldPages;
            if (next == _top)
            {
                if (extra > (_end - _top) >> PageShift)
                {
                    return false;
                }

                EnsureCommitted(next + (extra << PageShift));
                _top = next + (extra << PageShift);
            }
            else
            {
                ref PageEntry neighbour = ref Entry(next);
                if (neighbour.Kind != PageKind.FreeHead || neighbour.Value < extra)
                {
                    return false;
                }

                TakeFromRun(new FreeRun(neighbour.Value, next), next, extra);
            }

            Entry(start).Value = newPages;
            _bigLiveBytes += extra << PageShift;
            OnInUseGrown();
            return true;
        }
    }

    /// <summary>Shrinks the big block at <paramref name="start"/> in place, freeing its tail pages.</summary>
    /// <exception cref="InvalidOperationException">The block is no longer <paramref name="oldPages"/> pages long: another thread freed or resized it.</exception>
    public void ShrinkBig(nuint start, nuint oldPages, nuint newPages)
    {
        Debug.Assert(newPages > 0 && newPages < oldPages);
        lock (_lock)
        {
            CheckBigHead(start, oldPages);
            Entry(start).Value = newPages;
            _bigLiveBytes -= (oldPages - newPages) << PageShift;
            FreeRunLocked(start + (newPages << PageShift), oldPages - newPages, clearBody: false);
        }
    }

    // The caller read the block's head without the lock: a Free or Realloc of the same block on
    // another thread may have ended or resized it since. Under the lock, before anything changes.
    private void CheckBigHead(nuint start, nuint pages)
    {
        ref PageEntry head = ref Entry(start);
        if (head.Kind != PageKind.BigHead)
        {
            ThrowHelper.ThrowNotAllocated((void*)start);
        }

        if (head.Value != pages)
        {
            ThrowHelper.ThrowResizedConcurrently((void*)start, pages << PageShift, head.Value << PageShift);
        }
    }

    /// <summary>Takes a run for a small-object span; the caller marks its pages.</summary>
    /// <returns>The run's address, or 0 when the region has no room.</returns>
    public nuint AllocateSpan(nuint pages)
    {
        lock (_lock)
        {
            nuint start = AllocateRun(pages, 1, out _);
            if (start != 0)
            {
                _spanBytes += pages << PageShift;
                OnInUseGrown();
            }

            return start;
        }
    }

    /// <summary>Returns an empty span's pages.</summary>
    public void FreeSpan(nuint start, nuint pages)
    {
        lock (_lock)
        {
            _spanBytes -= pages << PageShift;
            FreeRunLocked(start, pages, clearBody: true);
        }
    }

    /// <summary>
    /// Gives free pages back to the OS: with <paramref name="force"/> every dirty page at once
    /// (<c>Trim</c>), otherwise the runs freed at least <see cref="PurgeDelayMs"/> ago.
    /// </summary>
    /// <returns>True when dirty runs remain that a later purge will take.</returns>
    public bool Purge(bool force)
    {
        if (force)
        {
            // Trim also starts the peak that the resident limit measures against afresh.
            lock (_lock)
            {
                _peakInUse = InUse;
            }
        }

        uint now = (uint)Environment.TickCount;
        bool pending = PurgeRuns(_dirtyRuns, force, now);
        if (force)
        {
            // Runs the decay purge already went through keep dirty edges; only Trim takes those.
            PurgeRuns(_cleanRuns, force, now);
        }

        return pending;
    }

    // Walks an index in order, one run per lock hold (allocations and frees in this region wait
    // for one madvise at most, not for all of them), finding each next run from the last one's key
    // rather than from a copy of the index, so that a purge tick allocates nothing. A run purged
    // moves to the clean index; one taken or merged meanwhile is simply not found.
    private bool PurgeRuns(FreeRunIndex index, bool force, uint now)
    {
        bool pending = false;
        var after = new FreeRun(0, 0);
        while (true)
        {
            lock (_lock)
            {
                if (!index.TryFindAtLeast(after, out FreeRun run))
                {
                    return pending;
                }

                after = new FreeRun(run.Pages, run.Start + 1);
                ref PageEntry head = ref Entry(run.Start);
                Debug.Assert(head.Kind == PageKind.FreeHead && head.Value == run.Pages);
                if ((head.Flags & FreeRunFlags.Dirty) == 0 || (!force && !AwaitsDecay(head.Flags)))
                {
                    continue;
                }

                if (!force && !IsDue(in head, now))
                {
                    pending = true;
                    continue;
                }

                PurgeRun(run, wholePages: force || !_hugePages);
            }
        }
    }

    /// <summary>A snapshot of the counters.</summary>
    public PageHeapCounters GetCounters()
    {
        lock (_lock)
        {
            nuint used = _top - _start;
            return new PageHeapCounters(
                BigLiveBytes: (long)_bigLiveBytes,
                SpanBytes: (long)_spanBytes,
                FreeRunBytes: (long)_freeBytes,
                FreeRuns: _dirtyRuns.Count + _cleanRuns.Count,
                DirtyBytes: (long)_dirtyBytes,
                CommittedBytes: (long)(used - _cleanFreeBytes),
                Purges: _purges,
                PurgedBytes: _purgedBytes);
        }
    }

    /// <summary>Checks the region's page map and free-run index against each other.</summary>
    /// <exception cref="InvalidOperationException">An invariant does not hold; the message says which.</exception>
    public void Validate(Action<nuint, nuint> validateSpan)
    {
        lock (_lock)
        {
            var dirtyIndexed = new List<FreeRun>();
            var cleanIndexed = new List<FreeRun>();
            _dirtyRuns.CopyTo(dirtyIndexed);
            _cleanRuns.CopyTo(cleanIndexed);
            var seen = new HashSet<nuint>();
            nuint free = 0;
            nuint dirty = 0;
            nuint big = 0;
            nuint spans = 0;
            bool previousFree = false;
            nuint page = _start;
            while (page < _top)
            {
                ref PageEntry entry = ref Entry(page);
                nuint pages;
                switch (entry.Kind)
                {
                    case PageKind.FreeHead:
                        pages = entry.Value;
                        Check(pages > 0 && page + (pages << PageShift) <= _top, page, "free run overruns the frontier");
                        Check(!previousFree, page, "two adjacent free runs");
                        if (pages > 1)
                        {
                            ref PageEntry tail = ref Entry(page + ((pages - 1) << PageShift));
                            Check(tail.Kind == PageKind.FreeTail && tail.Value == pages, page, "free run tail does not match its head");
                            for (nuint i = 1; i + 1 < pages; i++)
                            {
                                Check(IsBodyKind(Entry(page + (i << PageShift)).Kind), page, "free run body page holds a run boundary or a span page");
                            }
                        }

                        List<FreeRun> indexed = AwaitsDecay(entry.Flags) ? dirtyIndexed : cleanIndexed;
                        Check(indexed.BinarySearch(new FreeRun(pages, page)) >= 0, page, $"free run missing from the {(AwaitsDecay(entry.Flags) ? "dirty" : "clean")} index");
                        seen.Add(page);
                        free += pages << PageShift;
                        nuint resident = ResidentPages(page, pages, entry.Flags);
                        Check(resident <= pages && (resident == 0 || (entry.Flags & FreeRunFlags.Dirty) != 0), page, $"free run of {pages} pages counts {resident} resident");
                        long held = _countsBoundResidency ? _os.GetResidentBytes((void*)page, pages << PageShift) : -1;
                        Check(held <= (long)(resident << PageShift), page, $"free run of {pages} pages counts {resident} resident, the OS holds {held} bytes of it");
                        dirty += resident << PageShift;
                        previousFree = true;
                        break;
                    case PageKind.BigHead:
                        pages = entry.Value;
                        Check(pages > 0 && page + (pages << PageShift) <= _top, page, "big block overruns the frontier");
                        for (nuint i = 1; i < pages; i++)
                        {
                            Check(IsBodyKind(Entry(page + (i << PageShift)).Kind), page, "big block body page holds a run boundary or a span page");
                        }

                        big += pages << PageShift;
                        previousFree = false;
                        break;
                    case PageKind.Small:
                        Check(((SmallSpan*)entry.Value)->Start == page, page, "span does not start at its first page");
                        pages = ((SmallSpan*)entry.Value)->Pages;
                        validateSpan(page, pages);
                        spans += pages << PageShift;
                        previousFree = false;
                        break;
                    default:
                        throw new InvalidOperationException($"Heap corruption: page 0x{page:X} below the frontier is {entry.Kind}, not the start of a run.");
                }

                page += pages << PageShift;
            }

            Check(page == _top, page, "runs do not end at the frontier");
            Check(seen.Count == dirtyIndexed.Count + cleanIndexed.Count, _start, $"free-run indexes hold {dirtyIndexed.Count + cleanIndexed.Count} runs, the page map {seen.Count}");
            Check(free == _freeBytes, _start, $"free bytes {_freeBytes} counted, {free} found");
            Check(dirty == _dirtyBytes, _start, $"resident free bytes {_dirtyBytes} counted, {dirty} found");
            Check(big == _bigLiveBytes, _start, $"big live bytes {_bigLiveBytes} counted, {big} found");
            Check(spans == _spanBytes, _start, $"span bytes {_spanBytes} counted, {spans} found");
        }
    }

    // What a page inside a run may say: anything but a run boundary or a span page.
    private static bool IsBodyKind(PageKind kind) => kind is PageKind.Unused or PageKind.FreeBody;

    private static void Check(bool condition, nuint page, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Heap corruption at page 0x{page:X}: {problem}.");
        }
    }

    private ref PageEntry Entry(nuint address) => ref _map[(address - _heapBase) >> PageShift];

    private void Fill(nuint start, nuint pages, PageEntry value) =>
        new Span<PageEntry>(&_map[(start - _heapBase) >> PageShift], checked((int)pages)).Fill(value);

    private nuint AllocateRun(nuint pages, nuint alignPages, out bool zeroed)
    {
        Debug.Assert(pages > 0 && alignPages > 0);
        nuint slack = alignPages - 1;
        // Dirty runs first: their pages are resident, a purged run's would fault back in.
        var wanted = new FreeRun(pages + slack, 0);
        if (_dirtyRuns.TryFindAtLeast(wanted, out FreeRun run) || _cleanRuns.TryFindAtLeast(wanted, out run))
        {
            nuint start = AlignUp(run.Start, alignPages);
            FreeRunFlags flags = TakeFromRun(run, start, pages);
            zeroed = (flags & FreeRunFlags.Dirty) == 0;
            return start;
        }

        nuint alignedTop = AlignUp(_top, alignPages);
        if (alignedTop > _end || pages > (_end - alignedTop) >> PageShift)
        {
            zeroed = false;
            return 0;
        }

        nuint newTop = alignedTop + (pages << PageShift);
        EnsureCommitted(newTop);
        nuint oldTop = _top;
        _top = newTop;
        if (alignedTop > oldTop)
        {
            // The alignment gap was never touched: a clean free run.
            FreeRunLocked(oldTop, (alignedTop - oldTop) >> PageShift, clearBody: false, FreeRunFlags.None);
        }

        zeroed = true;
        return alignedTop;
    }

    // Takes pages [start, start + pages) out of the free run, which is indexed, and returns the run's
    // flags; what is left on either side stays free with the same flags and age. Where the run was
    // only partly resident and a resident limit is set, mincore says how much of each piece left is,
    // so that the limit counts what is really there: an upper bound would drift up with every split,
    // and the limit would purge, and the next allocations re-fault, pages that were never in excess.
    // Without a limit the count is only a statistic, not worth a walk of the piece's page tables.
    private FreeRunFlags TakeFromRun(FreeRun run, nuint start, nuint pages)
    {
        ref PageEntry head = ref Entry(run.Start);
        FreeRunFlags flags = head.Flags;
        if ((flags & FreeRunFlags.Decommitted) != 0)
        {
            // Before anything changes: a refusal (OutOfMemoryException) leaves the run free, indexed
            // and marked, and the caller gets the exception instead of pages it cannot touch.
            _os.Commit((void*)start, pages << PageShift);
        }

        uint freedAt = head.Aux;
        nuint resident = ResidentPages(run.Start, run.Pages, flags);
        RemoveFreeRun(run.Start, run.Pages, flags, resident);
        nuint end = start + (pages << PageShift);
        nuint runEnd = run.Start + (run.Pages << PageShift);
        Debug.Assert(start >= run.Start && end <= runEnd);
        nuint runResident = resident == run.Pages ? nuint.MaxValue : resident;
        if (start > run.Start)
        {
            AddRemainder(run.Start, (start - run.Start) >> PageShift, flags, freedAt, runResident);
        }

        if (runEnd > end)
        {
            AddRemainder(end, (runEnd - end) >> PageShift, flags, freedAt, runResident);
        }

        return flags;
    }

    // A piece left of a run that had `runResident` resident pages (nuint.MaxValue: all of them).
    private void AddRemainder(nuint start, nuint pages, FreeRunFlags flags, uint freedAt, nuint runResident)
    {
        nuint resident = runResident == nuint.MaxValue ? pages
            : runResident == 0 ? 0
            : _residentLimitPercent == 0 ? Math.Min(runResident, pages)
            : CountResidentPages(start, pages, upperBound: Math.Min(runResident, pages));

        // A dirty piece with nothing resident is not zero (its pages may be in swap), but it is
        // not worth a purge either: it waits with the runs the decay has been through.
        if (resident == 0 && (flags & FreeRunFlags.Dirty) != 0)
        {
            flags |= FreeRunFlags.Purged;
        }

        AddFreeRun(start, pages, flags, freedAt, resident);
    }

    // Heap pages of the range with at least one resident OS page, or the upper bound where the OS cannot tell.
    private nuint CountResidentPages(nuint start, nuint pages, nuint upperBound)
    {
        long bytes = _os.GetResidentBytes((void*)start, pages << PageShift);
        return bytes < 0 ? upperBound : Math.Min(upperBound, ((nuint)bytes + PageMask) >> PageShift);
    }

    // clearBody: span pages must stop naming their span; big-block and unused pages need only their
    // first entry cleared (see the remarks on the class).
    private void FreeRunLocked(nuint start, nuint pages, bool clearBody, FreeRunFlags flags = FreeRunFlags.Dirty)
    {
        if (clearBody)
        {
            Fill(start, pages, new PageEntry { Kind = PageKind.FreeBody });
        }
        else
        {
            Entry(start) = new PageEntry { Kind = PageKind.FreeBody };
        }

        nuint end = start + (pages << PageShift);
        uint now = (uint)Environment.TickCount;

        // The freed pages count as resident: a block is written, if not all of it, most of the time.
        nuint resident = (flags & FreeRunFlags.Dirty) != 0 ? pages : 0;

        // Merge with the run that ends just before this one.
        if (start > _start)
        {
            ref PageEntry before = ref Entry(start - PageSize);
            nuint leftPages = before.Kind == PageKind.FreeTail ? before.Value
                : before.Kind == PageKind.FreeHead && before.Value == 1 ? 1u : 0u;
            if (leftPages != 0)
            {
                nuint leftStart = start - (leftPages << PageShift);
                PurgeIfDue(leftStart, leftPages, now);
                FreeRunFlags leftFlags = Entry(leftStart).Flags;
                nuint leftResident = ResidentPages(leftStart, leftPages, leftFlags);
                RemoveFreeRun(leftStart, leftPages, leftFlags, leftResident);
                resident += leftResident;
                flags |= leftFlags & MergedFlags;
                start = leftStart;
            }
        }

        // Merge with the run that starts just after this one.
        if (end < _top)
        {
            ref PageEntry after = ref Entry(end);
            if (after.Kind == PageKind.FreeHead)
            {
                nuint rightPages = after.Value;
                PurgeIfDue(end, rightPages, now);
                FreeRunFlags rightFlags = after.Flags;
                nuint rightResident = ResidentPages(end, rightPages, rightFlags);
                RemoveFreeRun(end, rightPages, rightFlags, rightResident);
                resident += rightResident;
                flags |= rightFlags & MergedFlags;
                end += rightPages << PageShift;
            }
        }

        AddFreeRun(start, (end - start) >> PageShift, flags, now, resident);
        if (PurgeDelayMs == 0 && (flags & FreeRunFlags.Dirty) != 0)
        {
            PurgeRun(new FreeRun((end - start) >> PageShift, start), wholePages: !_hugePages);
        }
        else
        {
            EnforceResidentLimit();
        }
    }

    // The block's pages that are not resident will be faulted in: resident memory grows without a
    // free to trigger the limit, so it is enforced before the caller touches them.
    private void OnInUseGrown()
    {
        _peakInUse = Math.Max(_peakInUse, InUse);
        EnforceResidentLimit();
    }

    // With a resident limit, pages in use plus dirty free pages stay within a percentage of the peak
    // in use (since the last Trim): the excess is fragmentation, which best fit cannot avoid when
    // big blocks of very different sizes come and go. Only the excess goes, from the end of the
    // largest dirty run: best fit reaches for that run last and takes it from its start, so these
    // are the resident pages least likely to be wanted soon, and each page purged beyond the excess
    // would be one more page fault later.
    private void EnforceResidentLimit()
    {
        if (_residentLimitPercent == 0)
        {
            return;
        }

        nuint limit = _peakInUse + Math.Max(ResidentSlackFloor, _peakInUse / 100 * (nuint)(_residentLimitPercent - 100));
        try
        {
            while (InUse + _dirtyBytes > limit && _dirtyRuns.TryFindLargest(out FreeRun run))
            {
                PurgeTail(run, InUse + _dirtyBytes - limit);
            }
        }
        catch (InvalidOperationException)
        {
            // The free or allocation must succeed: a refused madvise leaves the pages committed,
            // and the decay purge tries them again (and reports the refusal) later.
        }
    }

    // Purges resident pages worth at least `excess` bytes from the end of a dirty run, or the whole
    // run when that is all of its resident pages (or the OS cannot say where they are). The run keeps
    // its place and its age; the decay purge takes the rest.
    private void PurgeTail(FreeRun run, nuint excess)
    {
        nuint resident = ResidentPages(run.Start, run.Pages, Entry(run.Start).Flags);
        nuint excessPages = (excess + PageMask) >> PageShift;
        nuint runBytes = run.Pages << PageShift;
        nuint end = run.Start + runBytes;
        long suffix = resident <= excessPages ? 0
            : resident == run.Pages ? (long)(runBytes - (excessPages << PageShift))
            : _os.FindResidentSuffix((void*)run.Start, runBytes, excessPages << PageShift);
        nuint from = suffix <= 0 ? run.Start : run.Start + ((nuint)suffix & ~PageMask);
        if (_hugePages)
        {
            // Purging part of a huge page splits it; whole huge pages only, and a few more bytes than asked.
            from &= ~(HugePageSize - 1);
            end &= ~(HugePageSize - 1);
        }

        if (from <= run.Start || end <= from)
        {
            PurgeRun(run, wholePages: !_hugePages);
            return;
        }

        if (!_os.Decommit((void*)from, end - from))
        {
            Entry(run.Start).Flags |= FreeRunFlags.Decommitted;
        }

        _purges++;
        _purgedBytes += (long)(end - from);
        nuint left = resident == run.Pages && !_hugePages ? (from - run.Start) >> PageShift
            : CountResidentPages(run.Start, run.Pages, upperBound: resident);
        if (left >= resident || left == 0)
        {
            // No progress by the count (an upper bound was off), or nothing left: the whole run goes.
            PurgeRun(run, wholePages: !_hugePages);
            return;
        }

        _dirtyBytes -= (resident - left) << PageShift;
        Entry(run.Start + runBytes - PageSize).Aux = (uint)left;
    }

    // Dirty and not yet through a decay purge (which gives back what it can, whole huge pages, once).
    private static bool AwaitsDecay(FreeRunFlags flags) => (flags & (FreeRunFlags.Dirty | FreeRunFlags.Purged)) == FreeRunFlags.Dirty;

    // Free for at least the decay delay; the head's Aux is the tick it was freed at.
    private bool IsDue(in PageEntry head, uint now) => now - head.Aux >= (uint)PurgeDelayMs;

    // The merged run takes the age of the block just freed, so a neighbour whose pages are due for
    // the decay purge gets it now: otherwise a region where frees keep landing next to old free
    // runs would keep those pages resident for ever.
    private void PurgeIfDue(nuint start, nuint pages, uint now)
    {
        ref PageEntry head = ref Entry(start);
        if (!AwaitsDecay(head.Flags) || !IsDue(in head, now))
        {
            return;
        }

        try
        {
            PurgeRun(new FreeRun(pages, start), wholePages: !_hugePages);
        }
        catch (InvalidOperationException)
        {
            // The free must succeed: a refused madvise leaves the pages committed, and the merged
            // run is purged (and the refusal reported) by the decay purge later.
        }
    }

    // Writes the run's boundary entries and indexes it; its body entries are already FreeBody.
    private void AddFreeRun(nuint start, nuint pages, FreeRunFlags flags, uint freedAt, nuint residentPages)
    {
        Debug.Assert(residentPages <= pages && (residentPages == 0 || (flags & FreeRunFlags.Dirty) != 0));
        if (pages == 1)
        {
            residentPages = ResidentPages(start, 1, flags);
        }

        ref PageEntry head = ref Entry(start);
        head = new PageEntry { Kind = PageKind.FreeHead, Flags = flags, Aux = freedAt, Value = pages };
        if (pages > 1)
        {
            Entry(start + ((pages - 1) << PageShift)) = new PageEntry { Kind = PageKind.FreeTail, Aux = checked((uint)residentPages), Value = pages };
        }

        IndexOf(flags).Add(new FreeRun(pages, start));
        _freeBytes += pages << PageShift;
        _dirtyBytes += residentPages << PageShift;
        if ((flags & FreeRunFlags.Dirty) == 0)
        {
            _cleanFreeBytes += pages << PageShift;
        }
    }

    // Unindexes the run and turns its boundary entries into body entries, ready to merge or be taken.
    private void RemoveFreeRun(nuint start, nuint pages, FreeRunFlags flags, nuint residentPages)
    {
        IndexOf(flags).Remove(new FreeRun(pages, start));
        _freeBytes -= pages << PageShift;
        Debug.Assert(residentPages == ResidentPages(start, pages, flags));
        _dirtyBytes -= residentPages << PageShift;
        if ((flags & FreeRunFlags.Dirty) == 0)
        {
            _cleanFreeBytes -= pages << PageShift;
        }

        Entry(start) = new PageEntry { Kind = PageKind.FreeBody };
        Entry(start + ((pages - 1) << PageShift)) = new PageEntry { Kind = PageKind.FreeBody };
    }

    // How many of a free run's pages may be resident: kept on its tail entry; a one-page run has
    // no room for the count and is resident when dirty.
    private nuint ResidentPages(nuint start, nuint pages, FreeRunFlags flags) =>
        pages == 1 ? ((flags & FreeRunFlags.Dirty) != 0 ? 1u : 0u) : Entry(start + ((pages - 1) << PageShift)).Aux;

    // The index a run with these flags belongs to: runs awaiting the decay purge are reused first.
    private FreeRunIndex IndexOf(FreeRunFlags flags) => AwaitsDecay(flags) ? _dirtyRuns : _cleanRuns;

    private void PurgeRun(FreeRun run, bool wholePages)
    {
        nuint runEnd = run.Start + (run.Pages << PageShift);
        nuint start = run.Start;
        nuint end = runEnd;
        if (!wholePages)
        {
            // Decommitting part of a transparent huge page splits it; purge whole huge pages only.
            start = AlignUp(start, HugePageSize >> PageShift);
            end &= ~(HugePageSize - 1);
        }

        FreeRunFlags flags = Entry(run.Start).Flags;
        uint freedAt = Entry(run.Start).Aux;
        nuint resident = ResidentPages(run.Start, run.Pages, flags);
        nuint left = resident;
        bool accessible = true;
        if (end > start)
        {
            accessible = _os.Decommit((void*)start, end - start);
            _purges++;
            _purgedBytes += (long)(end - start);
            left = Math.Min(resident, (start - run.Start + (runEnd - end)) >> PageShift);
        }

        // Whatever the purge left (huge-page edges), the run no longer awaits it: it moves to the clean
        // index. A whole run decommitted and accessible again is no longer marked Decommitted.
        RemoveFreeRun(run.Start, run.Pages, flags, resident);
        flags = start == run.Start && end == runEnd ? FreeRunFlags.None : flags | FreeRunFlags.Purged;
        if (!accessible)
        {
            flags |= FreeRunFlags.Decommitted;
        }

        AddFreeRun(run.Start, run.Pages, flags, freedAt, flags == FreeRunFlags.None ? 0 : left);
    }

    private void EnsureCommitted(nuint end)
    {
        if (end <= _committedTop)
        {
            return;
        }

        nuint newTop = Math.Min(AlignUp(end, CommitStep >> PageShift) , _end);
        _os.Commit((void*)_committedTop, newTop - _committedTop);
        if (_hugePages)
        {
            _os.TryAdviseHugePages((void*)_committedTop, newTop - _committedTop, enable: true);
        }

        Volatile.Write(ref _committedTop, newTop);
    }

    private static nuint AlignUp(nuint address, nuint alignPages)
    {
        nuint alignment = alignPages << PageShift;
        return (address + alignment - 1) & ~(alignment - 1);
    }
}
