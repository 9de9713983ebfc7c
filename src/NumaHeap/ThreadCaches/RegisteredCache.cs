using System.Threading;

namespace Numa.ThreadCaches;

/// <summary>A thread cache a heap knows of, with the thread that owns it, so that the heap can tell when that thread has exited.</summary>
/// <remarks>
/// A plain struct, not a record struct: the compiler-generated <c>PrintMembers</c> of a record with a
/// pointer-typed property crashes the NativeAOT compiler (ILC 8.0 and 10.0).
/// </remarks>
internal readonly unsafe struct RegisteredCache
{
    public RegisteredCache(nint handle, Thread owner)
    {
        Handle = handle;
        Owner = owner;
    }

    /// <summary>The cache's address.</summary>
    public nint Handle { get; }

    /// <summary>The thread that allocates through the cache.</summary>
    public Thread Owner { get; }

    /// <summary>The cache.</summary>
    public ThreadCache* Cache => (ThreadCache*)Handle;
}
