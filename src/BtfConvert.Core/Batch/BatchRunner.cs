using System.Diagnostics;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;

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

    /// <summary>Lists the source recursively and decides every selected input. Writes nothing.</summary>
    public async Task<IReadOnlyList<BatchItem>> PlanAsync(CancellationToken cancellationToken)
    {
        var listed = new List<StorageObjectInfo>();
        await foreach (var info in _storage.ListAsync(Planner.SourceRoot, cancellationToken).ConfigureAwait(false))
        {
            listed.Add(info);
        }

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
                    decided[i] = Planner.Decide(item, existing);
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

    /// <summary>Carries out <paramref name="plan"/>; returns the totals. Throws only when cancelled.</summary>
    public async Task<BatchSummary> RunAsync(IReadOnlyList<BatchItem> plan, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int converted = 0, skipped = 0, failed = 0;
        long sourceBytes = 0, outputBytes = 0;
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        void Record(BatchItemResult result)
        {
            switch (result.Status)
            {
                case BatchStatus.Converted:
                    Interlocked.Increment(ref converted);
                    Interlocked.Add(ref sourceBytes, result.SourceBytes);
                    Interlocked.Add(ref outputBytes, result.OutputBytes);
                    break;
                case BatchStatus.Skipped:
                    Interlocked.Increment(ref skipped);
                    break;
                default:
                    Interlocked.Increment(ref failed);
                    if (_settings.FailFast)
                    {
                        failFast.Cancel();
                    }

                    break;
            }

            _observer.Finished(result);
        }

        foreach (var item in plan.Where(i => i.Action != BatchAction.Convert))
        {
            if (failFast.IsCancellationRequested)
            {
                break;
            }

            Record(item.Action == BatchAction.Skip
                ? new BatchItemResult(item, BatchStatus.Skipped, null, item.Source.Length, item.ExistingOutput?.Length ?? 0, TimeSpan.Zero)
                : new BatchItemResult(item, BatchStatus.Failed, new BatchPlanException(item.Reason), item.Source.Length, 0, TimeSpan.Zero));
        }

        var conversions = plan.Where(i => i.Action == BatchAction.Convert).ToList();
        try
        {
            await Parallel.ForEachAsync(conversions,
                new ParallelOptions { MaxDegreeOfParallelism = _settings.Jobs, CancellationToken = failFast.Token },
                async (item, ct) =>
                {
                    var itemClock = Stopwatch.StartNew();
                    try
                    {
                        var result = await ConvertAsync(item, ct).ConfigureAwait(false);
                        Record(new BatchItemResult(item, BatchStatus.Converted, null, result.SourceBytes, result.OutputBytes, itemClock.Elapsed));
                    }
                    catch (Exception e) when (ct.IsCancellationRequested)
                    {
                        // Whatever a cancelled conversion threw (the SDK may wrap it), it was aborted, not failed.
                        throw new OperationCanceledException($"{item.Source.Location}: cancelled", e, ct);
                    }
                    catch (Exception e)
                    {
                        Record(new BatchItemResult(item, BatchStatus.Failed, e, item.Source.Length, 0, itemClock.Elapsed));
                    }
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && failFast.IsCancellationRequested)
        {
            // --fail-fast: the conversions in flight were aborted; what never finished is counted as not attempted.
        }

        cancellationToken.ThrowIfCancellationRequested();
        int done = converted + skipped + failed;
        return new BatchSummary(plan.Count, converted, skipped, failed, plan.Count - done, sourceBytes, outputBytes, clock.Elapsed);
    }

    private async Task<ConversionResult> ConvertAsync(BatchItem item, CancellationToken cancellationToken)
    {
        _observer.Started(item);
        string input = item.Source.Location;
        // A fresh look at the source: the record carries the ETag the reads are pinned to (one HEAD on S3).
        await using var source = await _storage.OpenReadAsync(input, cancellationToken).ConfigureAwait(false);
        var sourceInfo = new StorageObjectInfo(input, source.Length, source.ETag, null, new Dictionary<string, string>());
        var info = await SourceInspector.InspectAsync(source, cancellationToken).ConfigureAwait(false);
        foreach (var warning in info.Warnings)
        {
            _observer.Warning(item, warning);
        }

        var options = _settings.Options with { Threads = _settings.ThreadsPerJob };
        var metadata = OutputRecord.Create(input, sourceInfo, _settings.Options);
        // Replacing is allowed only for what the plan looked at; an output appearing since then is refused.
        var sinkOptions = new SinkOptions(item.ExistingOutput is not null, metadata) { CreateParentDirectories = true };
        await using var sink = await _storage.CreateAsync(item.Destination, sinkOptions, cancellationToken).ConfigureAwait(false);
        var progress = new ItemProgress(_observer, item);
        return await TiffConverter.ConvertAsync(info, source, sink, options, progress, cancellationToken).ConfigureAwait(false);
    }

    // Reports synchronously (Progress<T> would post to the thread pool and could arrive after Finished).
    private sealed class ItemProgress(IBatchObserver observer, BatchItem item) : IProgress<ConversionProgress>
    {
        public void Report(ConversionProgress value) => observer.Progress(item, value.BytesRead);
    }
}
