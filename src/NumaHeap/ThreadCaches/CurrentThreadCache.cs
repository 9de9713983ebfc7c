using System;

namespace Numa.ThreadCaches;

/// <summary>The calling thread's caches: the one thread-local lookup of every Alloc and Free.</summary>
/// <remarks>
/// A class of its own, with no static constructor: the runtime then keeps the fields directly in the
/// thread's TLS block and the JIT reaches them with one addition after the TLS call, and can hoist that
/// out of a loop. In <see cref="Heap"/>, whose static fields have initialisers, the same field took
/// a bounds check and three dependent loads on every call.
/// </remarks>
internal static unsafe class CurrentThreadCache
{
    /// <summary>The thread's cache of the process-wide heap, or null (none yet, or checks on).</summary>
    /// <remarks>Only that heap's caches are stored here, so its fast paths need not ask whose cache they found.</remarks>
    [ThreadStatic]
    public static ThreadCache* ProcessWide;

    /// <summary>The thread's cache of the heap instance it used last, or null.</summary>
    [ThreadStatic]
    public static ThreadCache* Value;
}
