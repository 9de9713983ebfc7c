using System;
using Xunit;

namespace Numa.Tests.Misuse;

/// <summary>Checks that a misuse exception names the problem and the pointer.</summary>
internal static unsafe class MisuseAssert
{
    /// <summary>The hex form messages use for a pointer: 0x followed by upper-case digits.</summary>
    public static string Hex(void* ptr) => $"0x{(nint)ptr:X}";

    public static void Names(Exception error, void* ptr, string problem)
    {
        Assert.Contains(Hex(ptr), error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Exactly <typeparamref name="T"/> (not a subclass), naming <paramref name="ptr"/> and <paramref name="problem"/>.</summary>
    public static T Throws<T>(Action action, void* ptr, string problem)
        where T : Exception
    {
        T error = Assert.Throws<T>(action);
        Names(error, ptr, problem);
        return error;
    }

    /// <summary>True when <paramref name="call"/> succeeds, false when it throws InvalidOperationException naming <paramref name="ptr"/> (a misuse that lost a race); anything else propagates.</summary>
    public static bool SucceedsOrNames(Action call, void* ptr)
    {
        try
        {
            call();
            return true;
        }
        catch (InvalidOperationException e) when (e.Message.Contains(Hex(ptr), StringComparison.Ordinal))
        {
            return false;
        }
    }
}
