using Mono.Unix.Native;
using Serilog;

namespace BtfConvert.Cli;

/// <summary>
/// A process started with stdin, stdout or stderr closed (<c>&gt;&amp;-</c> in a cron line, some daemon managers)
/// gets /dev/null there instead, before anything is opened: otherwise the next file opened takes the free
/// descriptor, and what is printed to "stdout" goes into a lock file or an output, or fails with EBADF, which .NET
/// reports as "Access to the path is denied." naming nothing. The work never depends on stdout, so it goes on; one
/// warning says what is discarded.
/// </summary>
public static class StandardStreams
{
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
            int flags = Syscall.fcntl(fd, FcntlCommand.F_GETFL);
            if (flags == -1 && Stdlib.GetLastError() == Errno.EBADF)
            {
                int devNull = Syscall.open("/dev/null", fd == 0 ? OpenFlags.O_RDONLY : OpenFlags.O_WRONLY);
                if (devNull >= 0 && devNull != fd)
                {
                    Syscall.dup2(devNull, fd);
                    Syscall.close(devNull);
                }
            }
            else if (fd > 0 && flags != -1 && (flags & AccessModeMask) == (int)OpenFlags.O_RDONLY)
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
}
