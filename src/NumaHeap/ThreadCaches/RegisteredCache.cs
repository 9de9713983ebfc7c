using System.Threading;

namespace Numa.ThreadCaches;

/// <summary>A thread cache a heap knows of, with the thread that owns it, so that the heap can tell when that thread has exited.</summary>
/// <param name="Handle">The cache's address.</param>
/// <param name="Owner">The thread that allocates through the cache.</param>
internal readonly unsafe record struct RegisteredCache(nint Handle, Thread Owner)
{
    /// <summary>The cache.</summary>
    public ThreadCache* Cache => (ThreadCache*)Handle;
}
