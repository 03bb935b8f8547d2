using BtfConvert.Core;
using Serilog;

namespace BtfConvert.Cli;

/// <summary>Turns an exception into one clear line and an exit code; stack traces only with --verbose.</summary>
public static class ErrorReporter
{
    public static int ExitCodeFor(Exception e, bool cancelled) => e switch
    {
        OperationCanceledException when cancelled => ExitCodes.Cancelled,
        OutputExistsException => ExitCodes.OutputExists,
        SourceChangedException or StorageException => ExitCodes.IoError,
        _ when StartupLimits.IsMissingOwnPart(e) => ExitCodes.IoError,
        InvalidDataException or NotSupportedException or FileNotFoundException or EndOfStreamException => ExitCodes.BadInput,
        UsageException => ExitCodes.UsageError,
        IOException or UnauthorizedAccessException => ExitCodes.IoError,
        _ => ExitCodes.InternalError,
    };

    public static string MessageFor(Exception e, bool cancelled) => e switch
    {
        OperationCanceledException when cancelled => "cancelled; no output was left behind",
        AggregateException { InnerExceptions.Count: 1 } a => MessageFor(a.InnerExceptions[0], cancelled),
        _ when StartupLimits.IsMissingOwnPart(e) => StartupLimits.MissingOwnPartMessage(e),
        _ when ExitCodeFor(e, cancelled) == ExitCodes.InternalError => $"internal error: {e.GetType().Name}: {e.Message}",
        _ => e.Message,
    };

    /// <summary>Logs the failure and returns the exit code.</summary>
    public static int Report(Exception e, bool cancelled, bool verbose)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a)
        {
            e = a.InnerExceptions[0];
        }

        int code = ExitCodeFor(e, cancelled);
        string message = MessageFor(e, cancelled);
        if (verbose)
        {
            Log.Error(e, "{Message}", message);
        }
        else
        {
            Log.Error("{Message}", message);
        }

        return code;
    }
}
