using System.Diagnostics;
using System.Globalization;
using BtfConvert.Core.Conversion;
using Serilog;
using Spectre.Console;

namespace BtfConvert.Cli;

/// <summary>
/// A live progress bar (throughput, ETA) when stderr is a terminal; otherwise a plain log line every
/// <see cref="LogInterval"/>, which is what cron mail and journald want.
/// </summary>
public static class ProgressDisplay
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    public static bool UseLiveBar(bool quiet, string logFormat) =>
        !quiet && logFormat == "text" && !Console.IsErrorRedirected
        && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");

    /// <summary>Runs <paramref name="work"/> with a progress reporter suited to where output goes.</summary>
    public static async Task<T> RunAsync<T>(string label, long totalBytes, bool liveBar, bool quiet,
        Func<IProgress<ConversionProgress>?, Task<T>> work)
    {
        if (quiet)
        {
            return await work(null).ConfigureAwait(false);
        }

        if (!liveBar)
        {
            return await work(new LogLineProgress(label)).ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(1, totalBytes));
                result = await work(new Progress<ConversionProgress>(p => task.Value = p.BytesRead)).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return result;
    }

    private sealed class LogLineProgress(string label) : IProgress<ConversionProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last = TimeSpan.Zero;

        public void Report(ConversionProgress value)
        {
            var now = _clock.Elapsed;
            if (now - _last < LogInterval || value.RowsDone >= value.TotalRows)
            {
                return;
            }

            _last = now;
            double rate = value.BytesRead / Math.Max(0.001, now.TotalSeconds);
            double remaining = value.Fraction > 0 ? now.TotalSeconds * (1 - value.Fraction) / value.Fraction : 0;
            Log.Information("{Label}: {Percent}% ({Rows}/{Total} rows), {Rate} MB/s, ETA {Eta}",
                label, Math.Round(value.Fraction * 100, 1), value.RowsDone, value.TotalRows,
                Math.Round(rate / 1e6, 1), TimeSpan.FromSeconds(Math.Round(remaining)).ToString("c", CultureInfo.InvariantCulture));
        }
    }
}
