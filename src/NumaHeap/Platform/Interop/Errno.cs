using System;
using System.Runtime.InteropServices;

namespace Numa.Platform.Interop;

/// <summary>Linux errno values the heap tests for, and the text that goes into its exception messages.</summary>
/// <remarks>
/// The numbers are Linux's. Values 1 to 34 agree on every Unix, but higher ones (and EAGAIN) do not,
/// so symbolic names are only given on Linux; elsewhere the message carries the number and the C
/// library's own text.
/// </remarks>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;
    public const int EOPNOTSUPP = 95;

    /// <summary>The symbolic name of a Linux errno value, or null when it is not one the table knows.</summary>
    public static string? GetName(int errno) => errno switch
    {
        EPERM => nameof(EPERM),
        ENOENT => nameof(ENOENT),
        ESRCH => nameof(ESRCH),
        EINTR => nameof(EINTR),
        EIO => nameof(EIO),
        EBADF => nameof(EBADF),
        EAGAIN => nameof(EAGAIN),
        ENOMEM => nameof(ENOMEM),
        EACCES => nameof(EACCES),
        EFAULT => nameof(EFAULT),
        EBUSY => nameof(EBUSY),
        EEXIST => nameof(EEXIST),
        EXDEV => nameof(EXDEV),
        ENODEV => nameof(ENODEV),
        EINVAL => nameof(EINVAL),
        ENOSPC => nameof(ENOSPC),
        ERANGE => nameof(ERANGE),
        ENOSYS => nameof(ENOSYS),
        EOPNOTSUPP => nameof(EOPNOTSUPP),
        _ => null,
    };

    /// <summary>Describes an errno for a message: <c>errno 12 (ENOMEM: Cannot allocate memory)</c>.</summary>
    public static string Describe(int errno)
    {
        string text = Marshal.GetPInvokeErrorMessage(errno);
        string? name = OperatingSystem.IsLinux() || OperatingSystem.IsAndroid() ? GetName(errno) : null;
        return name is null ? $"errno {errno} ({text})" : $"errno {errno} ({name}: {text})";
    }

    /// <summary>Describes a Win32 error code for a message: <c>Win32 error 8 (Not enough memory ...)</c>.</summary>
    public static string DescribeWin32(int error) => $"Win32 error {error} ({Marshal.GetPInvokeErrorMessage(error)})";
}
