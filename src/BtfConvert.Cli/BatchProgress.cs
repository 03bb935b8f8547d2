using System.Collections.Concurrent;
using System.Diagnostics;
using BtfConvert.Core.Batch;
using Serilog;
using Spectre.Console;

namespace BtfConvert.Cli;

/// <summary>
/// What a batch run shows and records: one log line per conversion started and finished (plain text or JSON,
/// for cron mail, journald and --log-file), an overall log line every <see cref="ProgressDisplay.LogInterval"/>,
/// or, on a terminal, one overall progress bar; and the report lines. Called from several jobs at once.
/// </summary>
public sealed class BatchProgress : IBatchObserver
{
    private readonly bool _logStarts;
    private readonly ConcurrentDictionary<BatchItem, long> _inFlight = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _finishedBytes;
    private long _totalBytes;
    private int _finished;
    private int _total;
    private TimeSpan _lastLog;
    private ProgressTask? _bar;

    public BatchProgress(bool logStarts)
    {
        _logStarts = logStarts;
    }

    /// <summary>Where finished inputs are recorded (set once the lock is held).</summary>
    public BatchReportWriter? Report { get; set; }

    /// <summary>Runs the batch with a live bar on <see cref="Console.Error"/> or, when <paramref name="liveBar"/> is off, log lines.</summary>
    public async Task<BatchSummary> RunAsync(IReadOnlyList<BatchItem> plan, bool liveBar, Func<Task<BatchSummary>> run)
    {
        _total = plan.Count;
        _totalBytes = plan.Where(i => i.Action == BatchAction.Convert).Sum(i => i.Source.Length);
        if (!liveBar)
        {
            return await run().ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        BatchSummary summary = null!;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                _bar = ctx.AddTask(Describe(), maxValue: Math.Max(1, _totalBytes));
                summary = await run().ConfigureAwait(false);
                _bar.Value = _bar.MaxValue;
            }).ConfigureAwait(false);
        return summary;
    }

    public void Started(BatchItem item)
    {
        _inFlight[item] = 0;
        if (_logStarts)
        {
            Log.Information("Converting {Input} to {Output} ({Reason})", item.Source.Location, item.Destination, item.Reason);
        }
    }

    public void Progress(BatchItem item, long bytesRead)
    {
        _inFlight[item] = bytesRead;
        long done = Interlocked.Read(ref _finishedBytes) + _inFlight.Values.Sum();
        if (_bar is { } bar)
        {
            bar.Value = done;
            return;
        }

        lock (_lock)
        {
            var now = _clock.Elapsed;
            if (now - _lastLog < ProgressDisplay.LogInterval)
            {
                return;
            }

            _lastLog = now;
        }

        Log.Information("Batch: {Finished}/{Total} inputs done, {Percent}% of {Gigabytes} GB to convert, {Rate} MB/s",
            Volatile.Read(ref _finished), _total, Math.Round(100.0 * done / Math.Max(1, _totalBytes), 1),
            Math.Round(_totalBytes / 1e9, 2), Math.Round(done / 1e6 / Math.Max(0.001, _clock.Elapsed.TotalSeconds), 1));
    }

    public void Warning(BatchItem item, string message) => Log.Warning("{Input}: {Warning}", item.Source.Location, message);

    public void ListingWarning(string message) => Log.Warning("{Warning}", message);

    public void Finished(BatchItemResult result)
    {
        var item = result.Item;
        _inFlight.TryRemove(item, out _);
        if (result.Status == BatchStatus.Converted)
        {
            Interlocked.Add(ref _finishedBytes, item.Source.Length);
        }

        Interlocked.Increment(ref _finished);
        if (_bar is { } bar)
        {
            bar.Description = Describe();
        }

        switch (result.Status)
        {
            case BatchStatus.Converted:
                Log.Information("Converted {Input} to {Output}: {SourceMB:0.0} MB to {OutputMB:0.0} MB in {Seconds:0.0} s, {Rate:0.0} MB/s",
                    item.Source.Location, item.Destination, result.SourceBytes / 1e6, result.OutputBytes / 1e6,
                    result.Elapsed.TotalSeconds, result.BytesPerSecond / 1e6);
                break;
            case BatchStatus.Skipped:
                Log.Debug("Skipped {Input}: {Output} is {Reason}", item.Source.Location, item.Destination, item.Reason);
                break;
            default:
                string message = BatchReportWriter.ErrorMessage(result.Error!);
                // Our errors already start with the file's name; only add it when one does not.
                Log.Error("Failed: {Error}", message.Contains(item.Source.Location, StringComparison.Ordinal) ? message : $"{item.Source.Location}: {message}");
                break;
        }

        Report?.WriteItem(result);
        if (result.Status == BatchStatus.Converted)
        {
            TestPause.At(TestPause.OutputPublished);
        }

        if (result.Status != BatchStatus.Skipped)
        {
            ReleaseMemory();
        }
    }

    /// <summary>
    /// One conversion allocates a few hundred MB of large arrays (bands, reads, parts) over its life. A process
    /// that converts one file exits before that matters; a batch does not, and the GC, left alone, lets the heap
    /// grow to 2-3 times one conversion's peak across a series of files (measured: 231 MB for one file, 444 MB
    /// after six, local to local). A compacting full collection between files keeps the batch at the per-job
    /// budget; it costs milliseconds against conversions of seconds to minutes.
    /// </summary>
    private static void ReleaseMemory()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private string Describe() => $"batch {Volatile.Read(ref _finished)}/{_total} inputs";
}
