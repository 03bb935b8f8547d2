using System.CommandLine;
using Serilog;

namespace BtfConvert.Cli;

/// <summary>Shared shell of every command: logging set-up, one-line errors, exit codes, cancellation.</summary>
public static class CommandRunner
{
    public static async Task<int> RunAsync(ParseResult result, GlobalOptions global, CancellationToken cancellationToken,
        Func<Task<int>> body)
    {
        global.ConfigureLogging(result);
        StandardStreams.WarnIfStdoutWasClosed();
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(e, cancellationToken.IsCancellationRequested, result.GetValue(global.Verbose));
        }
        finally
        {
            await Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
    }
}
