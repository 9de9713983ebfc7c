using System.Runtime.CompilerServices;
using Numa.SizeClasses;

namespace Numa.ThreadCaches;

/// <summary>One <see cref="FreeList"/> per size class, inline in the thread cache.</summary>
[InlineArray(SizeClassTable.ClassCount)]
internal struct FreeListArray
{
    private FreeList _first;
}
