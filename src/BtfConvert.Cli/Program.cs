using System.CommandLine;
using System.Runtime.InteropServices;
using BtfConvert.Core;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;

namespace BtfConvert.Cli;

public static class Program
{
    private static readonly string[] CommandNames = ["convert", "info", "batch", "verify"];

    public static async Task<int> Main(string[] args)
    {
        if (StartupLimits.Problem() is { } problem)
        {
            StartupLimits.WriteToStandardError(problem);
            return ExitCodes.IoError;
        }

        try
        {
            return await MainAsync(args).ConfigureAwait(false);
        }
        catch (Exception e) when (StartupLimits.IsMissingOwnPart(e))
        {
            // Thrown where the runtime first needed a part it could not open (before logging was set up).
            StartupLimits.WriteToStandardError(StartupLimits.MissingOwnPartMessage(e));
            return ExitCodes.IoError;
        }
    }

    private static async Task<int> MainAsync(string[] args)
    {
        StandardStreams.ReopenClosed();
        using var cancellation = new CancellationTokenSource();
        // Ctrl-C and SIGTERM cancel the conversion, which aborts the sink (temp file removed, multipart upload
        // aborted) before the process exits with ExitCodes.Cancelled.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        TestPause.ProcessCancellation = cancellation.Token;
        return await RunAsync(args, cancellation.Token).ConfigureAwait(false);

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            if (!cancellation.IsCancellationRequested)
            {
                cancellation.Cancel();
                _ = ExitIfStillBlockedAsync();
            }
        }
    }

    /// <summary>
    /// Cancellation ends every conversion within milliseconds, except one blocked in a system call (open() of a FIFO
    /// given as --report or --log-file, a read or write on a hung NFS mount), where no token reaches. Such a process
    /// would ignore SIGTERM until SIGKILL and, in batch, keep the destination's lock. So after this long the process
    /// deletes its open temporaries and exits 130 itself; a publish in progress (S3, bounded to about 2 minutes) is
    /// waited for first, so its outcome is never cut off.
    /// </summary>
    public static readonly TimeSpan ForcedExitDelay = TimeSpan.FromSeconds(5);

    private static async Task ExitIfStillBlockedAsync()
    {
        await Task.Delay(ForcedExitDelay).ConfigureAwait(false);
        if (InterruptedExit.IsPublishing)
        {
            while (InterruptedExit.IsPublishing)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }

            // The publish just ended: the normal path reports its outcome and exits within milliseconds.
            await Task.Delay(ForcedExitDelay).ConfigureAwait(false);
        }

        int deleted = InterruptedExit.DeleteTemporaries();
        await Console.Error.WriteLineAsync(
            $"btfconvert: still blocked {ForcedExitDelay.TotalSeconds:0} s after the signal (in a system call); exiting; {deleted} temporary file(s) deleted; cancelled").ConfigureAwait(false);
        Environment.Exit(ExitCodes.Cancelled);
    }

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (args is ["--version"])
        {
            Console.Out.WriteLine($"{ProductInfo.NameAndVersion} (jpeg encoder: {TileEncoderFactories.JpegEncoderDescription})");
            return ExitCodes.Success;
        }

        var root = BuildRootCommand();
        var result = root.Parse(RewriteShorthand(args));
        var config = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        int code = await result.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
        // System.CommandLine reports parse errors with exit code 1; ours is 2 for every usage error.
        return result.Errors.Count > 0 ? ExitCodes.UsageError : code;
    }

    public static RootCommand BuildRootCommand()
    {
        var global = new GlobalOptions();
        var root = new RootCommand(
            "Convert strip-organized BigTIFF slide scans (.btf) into web-optimized tiled pyramidal TIFF.\n\n" +
            "Examples:\n" +
            "  btfconvert slide.btf slide.tiff\n" +
            "  btfconvert convert s3://scans/a.btf s3://tiles/a.tiff --compression jpeg --quality 85\n" +
            "  btfconvert info slide.btf --json\n" +
            "  btfconvert batch s3://scans/vs120/ s3://tiles/vs120/ --report report.jsonl\n" +
            "  btfconvert verify slide.tiff --source slide.btf\n" +
            "Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input, 4 I/O or storage failure, 5 output exists, 6 batch had failures, 7 batch locked, 8 verify found a problem, 130 cancelled.");
        foreach (var option in global.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(ConvertCommand.Create(global));
        root.Subcommands.Add(InfoCommand.Create(global));
        root.Subcommands.Add(BatchCommand.Create(global));
        root.Subcommands.Add(VerifyCommand.Create(global));
        return root;
    }

    /// <summary><c>btfconvert IN OUT [options]</c> is shorthand for <c>btfconvert convert IN OUT [options]</c>.</summary>
    public static string[] RewriteShorthand(string[] args)
    {
        if (args.Length >= 2 && !args[0].StartsWith('-') && !CommandNames.Contains(args[0]))
        {
            return ["convert", .. args];
        }

        return args;
    }
}
