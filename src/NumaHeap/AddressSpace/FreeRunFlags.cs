using System;

namespace Numa;

/// <summary>The purge state of a free run, kept on its head page's entry.</summary>
[Flags]
internal enum FreeRunFlags : byte
{
    /// <summary>Every page was given back to the OS: the run reads as zero and holds no physical memory.</summary>
    None = 0,

    /// <summary>Some pages may be resident and hold old contents.</summary>
    Dirty = 1,

    /// <summary>
    /// Not worth another purge: the decay purge already gave back what it could (whole huge pages, so
    /// what stays dirty are the run's edges), or the run is what was left of a partly purged run with
    /// none of its pages resident. The run is reused after the resident ones and only Trim purges it.
    /// </summary>
    Purged = 2,

    /// <summary>
    /// Some pages may be inaccessible: a decommit gave them back and the OS refused to make them
    /// accessible again (Windows). Pages taken from the run are committed first.
    /// </summary>
    Decommitted = 4,
}
