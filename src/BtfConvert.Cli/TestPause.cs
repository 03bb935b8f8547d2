using System.Globalization;
using BtfConvert.Core.Conversion;

namespace BtfConvert.Cli;

/// <summary>
/// TEST-ONLY. <c>BTFCONVERT_TEST_PAUSE=POINT:FILE</c> makes the process, the first time it reaches POINT, create
/// FILE (holding its pid) and wait there until a signal ends it: SIGTERM or Ctrl-C cancels the run, so the wait
/// ends and the work aborts as it would have there; SIGKILL ends it where it stands. Tests that interrupt a run
/// mid-way use it to kill at a defined point instead of racing a kill against work that may already be done.
/// Unset (as everywhere but in tests) it does nothing. Points:
/// <list type="bullet">
/// <item><c>batch-output-published</c>: a batch has published an output and written its report line.</item>
/// <item><c>conversion-body</c>: <c>convert</c> has read a quarter of its input and written into its temporary.</item>
/// </list>
/// Documented in docs/robustness.md.
/// </summary>
internal static class TestPause
{
    public const string Variable = "BTFCONVERT_TEST_PAUSE";
    public const string OutputPublished = "batch-output-published";
    public const string ConversionBody = "conversion-body";

    private static readonly (string Point, string ReadyFile)? Setting = Parse(Environment.GetEnvironmentVariable(Variable));
    private static int _reached;

    /// <summary>The process's own cancellation (SIGTERM, Ctrl-C), which ends a pause.</summary>
    public static CancellationToken ProcessCancellation { get; set; }

    /// <summary>Pauses here if this is the point asked for (the first time only).</summary>
    public static void At(string point)
    {
        if (Setting is not { } setting || setting.Point != point || Interlocked.Exchange(ref _reached, 1) != 0)
        {
            return;
        }

        File.WriteAllText(setting.ReadyFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        ProcessCancellation.WaitHandle.WaitOne();
    }

    /// <summary>The conversion's progress, pausing at <see cref="ConversionBody"/> when asked; unchanged otherwise.</summary>
    public static IProgress<ConversionProgress>? Watch(IProgress<ConversionProgress>? progress) =>
        Setting?.Point == ConversionBody ? new BodyWatch(progress) : progress;

    private static (string, string)? Parse(string? value) =>
        value?.IndexOf(':', StringComparison.Ordinal) is int colon and > 0 ? (value[..colon], value[(colon + 1)..]) : null;

    private sealed class BodyWatch(IProgress<ConversionProgress>? inner) : IProgress<ConversionProgress>
    {
        public void Report(ConversionProgress value)
        {
            inner?.Report(value);
            // A quarter of the rows in: tiles have gone into the temporary, and most of the work is still to do.
            if (value.BytesWritten > 0 && value.RowsDone * 4 >= value.TotalRows && value.RowsDone < value.TotalRows)
            {
                At(ConversionBody);
            }
        }
    }
}
