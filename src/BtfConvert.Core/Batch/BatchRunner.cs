using System.Diagnostics;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;
using BtfConvert.Core.Record;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Batch;

/// <summary>
/// The I/O half of a batch: lists the source, looks up each output, and converts what the
/// <see cref="BatchPlanner"/> says to, <see cref="BatchSettings.Jobs"/> at a time. Everything goes through
/// <see cref="IStorage"/>, so any mix of local directories and S3 prefixes works. One failed input is reported
/// and the others go on (unless <see cref="BatchSettings.FailFast"/>); cancellation aborts the conversions in
/// flight, whose sinks delete their temporaries or abort their uploads, and is rethrown.
/// </summary>
public sealed class BatchRunner
{
    /// <summary>Output lookups (HEAD requests on S3) kept in flight while planning.</summary>
    public const int PlanningConcurrency = 8;

    private readonly IStorage _storage;
    private readonly BatchSettings _settings;
    private readonly IBatchObserver _observer;

    public BatchRunner(IStorage storage, BatchSettings settings, IBatchObserver observer)
    {
        _storage = storage;
        _settings = settings;
        _observer = observer;
        Planner = new BatchPlanner(settings);
    }

    public BatchPlanner Planner { get; }

    /// <summary>Folders below the source the last <see cref="PlanAsync"/> could not read (their files were not listed).</summary>
    public int UnreadableFolders { get; private set; }

    /// <summary>How long a temporary of a dead process must have been left untouched before a batch removes it.</summary>
    public static readonly TimeSpan StaleTemporaryAge = TimeSpan.FromHours(1);

    /// <summary>
    /// Removes the temporaries that killed runs left anywhere below a local destination (see
    /// <see cref="LocalFileSink.RemoveStaleTemporariesBelow"/>); call it holding the batch lock. Returns how many, and their bytes.
    /// </summary>
    public (int Count, long Bytes) RemoveStaleTemporaries() => StorageLocation.IsRemote(Planner.DestinationRoot)
        ? (0, 0)
        : LocalFileSink.RemoveStaleTemporariesBelow(Planner.DestinationRoot, StaleTemporaryAge);

    /// <summary>Lists the source recursively and decides every selected input. Writes nothing.</summary>
    public async Task<IReadOnlyList<BatchItem>> PlanAsync(CancellationToken cancellationToken)
    {
        RefuseLocalDestinationThatIsAFile();
        var listed = await ListSourceAsync(cancellationToken).ConfigureAwait(false);
        foreach (var warning in Planner.ListingWarnings(listed))
        {
            _observer.ListingWarning(warning);
        }

        UnreadableFolders = Planner.UnreadableFolders(listed);
        var selected = Planner.Select(listed);
        var decided = new BatchItem[selected.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, selected.Count),
            new ParallelOptions { MaxDegreeOfParallelism = PlanningConcurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var item = selected[i];
                try
                {
                    var existing = item.Action == BatchAction.Fail ? null
                        : await _storage.GetInfoAsync(item.Destination, ct).ConfigureAwait(false);
                    decided[i] = Planner.Decide(item, await WithEmbeddedRecordAsync(existing, ct).ConfigureAwait(false));
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    // One output we cannot look at (access denied, a directory in the way) fails that input only.
                    string message = e.Message.Contains(item.Destination, StringComparison.Ordinal) ? e.Message : $"{item.Destination}: {e.Message}";
                    decided[i] = item with { Action = BatchAction.Fail, Reason = message };
                }
            }).ConfigureAwait(false);
        return decided;
    }

    /// <summary>
    /// The source's listing, under the stall timeout as each conversion is: a store whose listing stops answering,
    /// or pages on without listing anything, fails the run (exit 4) instead of holding the destination's lock for ever.
    /// </summary>
    private async Task<List<StorageObjectInfo>> ListSourceAsync(CancellationToken cancellationToken)
    {
        using var watchdog = new StallWatchdog(_settings.StallTimeout, cancellationToken);
        return await watchdog.WatchAsync(ListAsync(), Planner.SourceRoot, "the listing").ConfigureAwait(false);

        async Task<List<StorageObjectInfo>> ListAsync()
        {
            var listed = new List<StorageObjectInfo>();
            await foreach (var info in _storage.ListAsync(Planner.SourceRoot, Planner.IsWanted, watchdog.Token).ConfigureAwait(false))
            {
                listed.Add(info);
                watchdog.Progressed();
            }

            return listed;
        }
    }

    /// <summary>
    /// DST (or a folder above it) being a regular file fails every input the same way; say it once, before anything
    /// is listed, as one line that starts with DST.
    /// </summary>
    private void RefuseLocalDestinationThatIsAFile()
    {
        string destination = Planner.DestinationRoot;
        if (StorageLocation.IsRemote(destination) || LocalStorage.FileInTheWay(destination) is not { } file)
        {
            return;
        }

        throw new StorageException(string.Equals(file, destination, StringComparison.Ordinal)
            ? $"{destination}: is a file, not a folder (the destination is the folder the outputs go in)"
            : $"{destination}: cannot be created: {file} is a file, not a folder");
    }

    /// <summary>
    /// The output's own record, read from its head, when the storage's description has none (a local file; an S3
    /// object copied without its metadata) or only a stale sidecar of an earlier version. An S3 object whose user
    /// metadata holds the record is decided by its HEAD alone.
    /// </summary>
    private async Task<StorageObjectInfo?> WithEmbeddedRecordAsync(StorageObjectInfo? existing, CancellationToken ct)
    {
        if (existing is null || (OutputRecord.HasRecord(existing.Metadata) && OutputRecord.Get(existing.Metadata, OutputRecord.Stale) is null))
        {
            return existing;
        }

        await using var output = await _storage.OpenReadAsync(existing.Location, ct).ConfigureAwait(false);
        // Our output but not whole (cut short after its head) comes back stale: it is converted again.
        var record = await TiffHeadRecord.ReadOfWholeFileAsync(output, ct).ConfigureAwait(false);
        return record.Count > 0 ? existing with { Metadata = record } : existing;
    }

    /// <summary>Carries out <paramref name="plan"/>; returns the totals. Throws only when cancelled.</summary>
    public async Task<BatchSummary> RunAsync(IReadOnlyList<BatchItem> plan, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tally = new Tally(_observer, _settings.FailFast ? failFast : null);
        foreach (var item in plan.Where(i => i.Action != BatchAction.Convert))
        {
            if (failFast.IsCancellationRequested)
            {
                break;
            }

            tally.Record(item.Action == BatchAction.Skip
                ? new BatchItemResult(item, BatchStatus.Skipped, null, item.Source.Length, item.ExistingOutput?.Length ?? 0, TimeSpan.Zero)
                : new BatchItemResult(item, BatchStatus.Failed, new BatchPlanException(item.Reason), item.Source.Length, 0, TimeSpan.Zero));
        }

        try
        {
            await Parallel.ForEachAsync(plan.Where(i => i.Action == BatchAction.Convert).ToList(),
                new ParallelOptions { MaxDegreeOfParallelism = _settings.Jobs, CancellationToken = failFast.Token },
                async (item, ct) => tally.Record(await ConvertReportingAsync(item, ct).ConfigureAwait(false))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && failFast.IsCancellationRequested)
        {
            // --fail-fast: the conversions in flight were aborted; what never finished is counted as not attempted.
        }

        cancellationToken.ThrowIfCancellationRequested();
        return tally.Summary(plan.Count, clock.Elapsed) with { UnreadableFolders = UnreadableFolders };
    }

    /// <summary>Converts one planned input; a failure becomes its result, a cancellation is rethrown.</summary>
    private async Task<BatchItemResult> ConvertReportingAsync(BatchItem item, CancellationToken ct)
    {
        var itemClock = Stopwatch.StartNew();
        using var watchdog = new StallWatchdog(_settings.StallTimeout, ct);
        try
        {
            var result = await watchdog.WatchAsync(ConvertAsync(item, watchdog), item.Source.Location).ConfigureAwait(false);
            return new BatchItemResult(item, BatchStatus.Converted, null, result.SourceBytes, result.OutputBytes, itemClock.Elapsed);
        }
        catch (Exception e) when (ct.IsCancellationRequested)
        {
            // Whatever a cancelled conversion threw (the SDK may wrap it), it was aborted, not failed.
            throw new OperationCanceledException($"{item.Source.Location}: cancelled", e, ct);
        }
        catch (Exception e)
        {
            return new BatchItemResult(item, BatchStatus.Failed, e, item.Source.Length, 0, itemClock.Elapsed);
        }
    }

    private Task<ConversionResult> ConvertAsync(BatchItem item, StallWatchdog watchdog)
    {
        _observer.Started(item);
        // Replacing is allowed only for what the plan looked at; an output appearing since then is refused.
        var job = new ConversionJob(item.Source.Location, item.Destination, _settings.Options with { Threads = _settings.ThreadsPerJob },
            Replace: item.ExistingOutput is not null, MissingSource: "no such file or object (deleted since it was listed)")
        {
            CreateParentDirectories = true,
        };
        return StorageConversion.ConvertAsync(_storage, job, new ItemMonitor(_observer, item, watchdog), watchdog.Token);
    }

    // Reports progress synchronously (Progress<T> would post to the thread pool and could arrive after Finished).
    private sealed class ItemMonitor(IBatchObserver observer, BatchItem item, StallWatchdog watchdog) : IConversionMonitor, IProgress<ConversionProgress>
    {
        public void Inspected(SourceInfo source, long sourceBytes)
        {
            watchdog.Progressed();
            foreach (var warning in source.Warnings)
            {
                observer.Warning(item, warning);
            }
        }

        public Task<ConversionResult> TrackAsync(long sourceBytes, Func<IProgress<ConversionProgress>?, Task<ConversionResult>> convert) =>
            convert(this);

        public void Report(ConversionProgress value)
        {
            watchdog.Progressed();
            observer.Progress(item, value.BytesRead);
        }
    }

    /// <summary>The running totals of a batch, counted from its parallel conversions; the first failure stops the rest under --fail-fast.</summary>
    private sealed class Tally(IBatchObserver observer, CancellationTokenSource? stopOnFailure)
    {
        private int _converted, _skipped, _failed;
        private long _sourceBytes, _outputBytes;

        public void Record(BatchItemResult result)
        {
            switch (result.Status)
            {
                case BatchStatus.Converted:
                    Interlocked.Increment(ref _converted);
                    Interlocked.Add(ref _sourceBytes, result.SourceBytes);
                    Interlocked.Add(ref _outputBytes, result.OutputBytes);
                    break;
                case BatchStatus.Skipped:
                    Interlocked.Increment(ref _skipped);
                    break;
                default:
                    Interlocked.Increment(ref _failed);
                    stopOnFailure?.Cancel();
                    break;
            }

            observer.Finished(result);
        }

        public BatchSummary Summary(int inputs, TimeSpan elapsed)
        {
            int done = _converted + _skipped + _failed;
            return new BatchSummary(inputs, _converted, _skipped, _failed, inputs - done, _sourceBytes, _outputBytes, elapsed);
        }
    }
}
