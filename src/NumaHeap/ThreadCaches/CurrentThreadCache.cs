using System;

namespace Numa.ThreadCaches;

/// <summary>The calling thread's cache of the heap it used last: the one thread-local lookup of every Alloc and Free.</summary>
/// <remarks>
/// A class of its own, with no static constructor: the runtime then keeps the field directly in the
/// thread's TLS block and the JIT reaches it with one addition after the TLS call, and can hoist that
/// out of a loop. In <see cref="Heap"/>, whose static fields have initialisers, the same field took
/// a bounds check and three dependent loads on every call.
/// </remarks>
internal static unsafe class CurrentThreadCache
{
    [ThreadStatic]
    public static ThreadCache* Value;
}
