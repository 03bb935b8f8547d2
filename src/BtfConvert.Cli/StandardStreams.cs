using System.Runtime.InteropServices;
using Serilog;

namespace BtfConvert.Cli;

/// <summary>
/// A process started with stdin, stdout or stderr closed (<c>&gt;&amp;-</c> in a cron line, some daemon managers)
/// gets /dev/null there instead, before anything is opened: otherwise the next file opened takes the free
/// descriptor, and what is printed to "stdout" goes into a lock file or an output, or fails with EBADF, which .NET
/// reports as "Access to the path is denied." naming nothing. The work never depends on stdout, so it goes on; one
/// warning says what is discarded.
/// </summary>
public static partial class StandardStreams
{
    // Linux values, the same on x86-64 and arm64: fcntl's F_GETFL, open's O_RDONLY/O_WRONLY, errno EBADF.
    private const int GetFlags = 3, ReadOnly = 0, WriteOnly = 1, BadDescriptor = 9;

    /// <summary>O_ACCMODE: the open flags' read/write bits (POSIX; 3 on Linux and macOS).</summary>
    private const int AccessModeMask = 3;

    private static bool _stdoutWasClosed;

    /// <summary>
    /// Puts /dev/null on each standard descriptor that is closed, and sends Console.Out or Console.Error nowhere when
    /// their descriptor is not ours to write (the runtime opens a pipe before Main, which takes a closed fd 1 with
    /// its read end). Call first thing in Main.
    /// </summary>
    public static void ReopenClosed()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        for (int fd = 0; fd <= 2; fd++)
        {
            int flags = Fcntl(fd, GetFlags);
            if (flags == -1 && Marshal.GetLastPInvokeError() == BadDescriptor)
            {
                int devNull = Open("/dev/null", fd == 0 ? ReadOnly : WriteOnly);
                if (devNull >= 0 && devNull != fd)
                {
                    _ = Dup2(devNull, fd);
                    _ = Close(devNull);
                }
            }
            else if (fd > 0 && flags != -1 && (flags & AccessModeMask) == ReadOnly)
            {
                if (fd == 1)
                {
                    Console.SetOut(TextWriter.Null);
                }
                else
                {
                    Console.SetError(TextWriter.Null);
                }
            }
            else
            {
                continue;
            }

            _stdoutWasClosed |= fd == 1;
        }
    }

    /// <summary>One warning (logging is set up by now) if stdout was closed, naming what goes there.</summary>
    public static void WarnIfStdoutWasClosed()
    {
        if (_stdoutWasClosed)
        {
            Log.Warning("standard output: closed when btfconvert started (>&-); what is printed there (the --dry-run plan, --report -, info and verify output) is discarded");
        }
    }

    // The C library directly (no native library of our own to unpack from the single file; see LocalFileType).
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int from, int to);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
