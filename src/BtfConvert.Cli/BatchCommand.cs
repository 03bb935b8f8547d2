using System.CommandLine;
using BtfConvert.Core.Batch;
using Serilog;

namespace BtfConvert.Cli;

/// <summary>
/// <c>btfconvert batch SRC DST</c>: converts every matching input below a directory or S3 prefix into the same
/// tree below another one, skipping outputs that are up to date. The work is in Core/Batch; this wires options,
/// the lock, the report and the display. See docs/operations.md.
/// </summary>
public static class BatchCommand
{
    public static Command Create(GlobalOptions global)
    {
        var o = new BatchOptions();
        var command = new Command("batch", "Convert every .btf below a directory or S3 prefix, skipping outputs that are up to date (safe to run from cron)")
        {
            o.Source, o.Destination, o.Include, o.Exclude, o.Suffix, o.Jobs, o.Shard, o.Force, o.DryRun, o.Check, o.FailFast, o.Report, o.Wait, o.LockDir, o.StallTimeout,
            ConvertCommand.TileSize, ConvertCommand.Compression, ConvertCommand.Quality, ConvertCommand.BigTiff,
            ConvertCommand.Threads, ConvertCommand.Mpp, o.Overwrite, ConvertCommand.IgnoreOrientation,
        };
        command.SetAction((result, ct) => CommandRunner.RunAsync(result, global, ct, () => RunAsync(result, global, o, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, GlobalOptions global, BatchOptions o, CancellationToken ct)
    {
        var settings = o.SettingsFrom(result);
        settings.Validate();
        bool quiet = result.GetValue(global.Quiet);
        string logFormat = result.GetValue(global.LogFormat) ?? "text";
        bool live = ProgressDisplay.UseLiveBar(quiet, logFormat);
        if (live)
        {
            // Under a live bar the console shows only warnings and errors; --log-file still gets every line.
            await Log.CloseAndFlushAsync().ConfigureAwait(false);
            LoggingSetup.Configure(logFormat, quiet, result.GetValue(global.Verbose), result.GetValue(global.LogFile), consoleWarningsOnly: true);
        }

        var storage = StorageFactory.Create(global.StorageSettings(result));
        var progress = new BatchProgress(logStarts: !live);
        var runner = new BatchRunner(storage, settings, progress);
        string? reportPath = result.GetValue(o.Report);
        if (result.GetValue(o.Check))
        {
            using var checkReport = BatchReportWriter.Open(reportPath, settings.Shard);
            return await CheckAsync(runner, checkReport, printList: reportPath != "-", ct).ConfigureAwait(false);
        }

        if (result.GetValue(o.DryRun))
        {
            using var planReport = BatchReportWriter.Open(reportPath, settings.Shard);
            return await DryRunAsync(runner, planReport, printPlan: reportPath != "-", ct).ConfigureAwait(false);
        }

        using var held = await AcquireLockAsync(runner.Planner, result.GetValue(o.LockDir), result.GetValue(o.Wait), ct).ConfigureAwait(false);
        if (held is null)
        {
            return ExitCodes.Locked;
        }

        var (stale, staleBytes) = runner.RemoveStaleTemporaries();
        if (stale > 0)
        {
            Log.Information("{Destination}: removed {Count} temporaries ({Gigabytes:0.00} GB) left by interrupted runs", runner.Planner.DestinationRoot, stale, staleBytes / 1e9);
        }

        // Opened under the lock: a run that finds the lock taken must not truncate the running one's report.
        using var reportWriter = BatchReportWriter.Open(reportPath, settings.Shard);
        progress.Report = reportWriter;
        var summary = await ConvertAllAsync(runner, settings, progress, live, ct).ConfigureAwait(false);
        if (live)
        {
            // The bar is gone: the summary goes to the console as well as to the log file.
            await Log.CloseAndFlushAsync().ConfigureAwait(false);
            global.ConfigureLogging(result);
        }

        return Finish(summary, reportWriter);
    }

    /// <summary>The destination's (and shard's) lock, or null (logged) when another run holds it and --wait was not given.</summary>
    private static async Task<BatchLock?> AcquireLockAsync(BatchPlanner planner, string? lockDir, bool wait, CancellationToken ct)
    {
        string lockPath = BatchLock.PathFor(planner.DestinationRoot, lockDir, planner.Shard);
        string holder = $"btfconvert batch {planner.SourceRoot} {planner.DestinationRoot} --shard {planner.Shard}";
        var held = BatchLock.TryAcquire(lockPath, holder) ?? (wait ? await WaitForLockAsync(lockPath, holder, ct).ConfigureAwait(false) : null);
        if (held is null)
        {
            Log.Error("{Destination}: another batch run is writing to this destination (lock {Lock} is held); exiting. Use --wait to wait for it",
                planner.DestinationRoot, lockPath);
        }

        return held;
    }

    private static async Task<BatchSummary> ConvertAllAsync(BatchRunner runner, BatchSettings settings, BatchProgress progress, bool live,
        CancellationToken ct)
    {
        var plan = await runner.PlanAsync(ct).ConfigureAwait(false);
        Log.Information("Batch {Source} to {Destination}, shard {Shard}: {Inputs} inputs, {Convert} to convert, {Skip} up to date, {Fail} failing; {Jobs} jobs x {Threads} threads",
            runner.Planner.SourceRoot, runner.Planner.DestinationRoot, BatchScaling.Describe(settings.Shard), plan.Count, plan.Count(i => i.Action == BatchAction.Convert),
            plan.Count(i => i.Action == BatchAction.Skip), plan.Count(i => i.Action == BatchAction.Fail), settings.Jobs, settings.ThreadsPerJob);
        return await progress.RunAsync(plan, live, () => runner.RunAsync(plan, ct)).ConfigureAwait(false);
    }

    private static int Finish(BatchSummary summary, BatchReportWriter? reportWriter)
    {
        int code = summary.Failed > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        reportWriter?.WriteSummary(summary, code, dryRun: false);
        code = WithReportOutcome(code, reportWriter);
        var level = code == ExitCodes.Success ? Serilog.Events.LogEventLevel.Information : Serilog.Events.LogEventLevel.Error;
        Log.Write(level, "Batch done: {Converted} converted, {Skipped} skipped, {Failed} failed{NotAttempted} of {Inputs}{Unreadable}; {Gigabytes:0.00} GB in {Seconds:0.0} s, {Rate:0.0} MB/s",
            summary.Converted, summary.Skipped, summary.Failed, summary.NotAttempted > 0 ? $", {summary.NotAttempted} not attempted (--fail-fast)" : string.Empty,
            summary.Inputs, UnreadableNote(summary.UnreadableFolders), summary.SourceBytes / 1e9, summary.Elapsed.TotalSeconds, summary.BytesPerSecond / 1e6);
        return code;
    }

    /// <summary>", 2 folders could not be read (see the warnings)" — a silent gap in a nightly listing is worse than a noisy one.</summary>
    private static string UnreadableNote(int folders) => folders switch
    {
        0 => string.Empty,
        1 => ", 1 folder could not be read (see the warning above)",
        _ => $", {folders} folders could not be read (see the warnings above)",
    };

    private static async Task<BatchLock> WaitForLockAsync(string lockPath, string holder, CancellationToken ct)
    {
        Log.Information("Another batch run holds {Lock}; waiting for it to finish", lockPath);
        return await BatchLock.AcquireAsync(lockPath, holder, ct).ConfigureAwait(false);
    }

    private static async Task<int> DryRunAsync(BatchRunner runner, BatchReportWriter? report, bool printPlan, CancellationToken ct)
    {
        var plan = await runner.PlanAsync(ct).ConfigureAwait(false);
        var shard = runner.Planner.Shard;
        foreach (var item in plan)
        {
            report?.WritePlan(item);
            if (printPlan && !shard.IsAll)
            {
                string action = item.Action switch { BatchAction.Convert => "convert", BatchAction.Skip => "skip", _ => "fail" };
                Console.Out.WriteLine(ControlCharacterEscaping.Escape($"{action,-7} {item.Source.Location} -> {item.Destination} ({item.Reason})"));
            }
        }

        if (printPlan && shard.IsAll)
        {
            BatchScaling.PrintBalance(plan, shard, Console.Out);
        }

        int convert = plan.Count(i => i.Action == BatchAction.Convert), fail = plan.Count(i => i.Action == BatchAction.Fail);
        report?.WriteSummary(new BatchSummary(plan.Count, 0, plan.Count - convert - fail, fail, convert, 0, 0, TimeSpan.Zero) { UnreadableFolders = runner.UnreadableFolders },
            ExitCodes.Success, dryRun: true);
        Log.Information("Dry run, shard {Shard}: {Inputs} inputs, {Convert} would be converted, {Skip} skipped, {Fail} would fail{Unreadable}; nothing was written",
            BatchScaling.Describe(shard), plan.Count, convert, plan.Count - convert - fail, fail, UnreadableNote(runner.UnreadableFolders));
        return WithReportOutcome(ExitCodes.Success, report);
    }

    /// <summary>
    /// --check: plans as a run would (listing SRC, reading each output's record) and lists every input without an
    /// up-to-date output. It does not trust how many workers ran or what they reported, only the destination, so
    /// it catches an array smaller than N, a shard that never started, or one that failed.
    /// </summary>
    private static async Task<int> CheckAsync(BatchRunner runner, BatchReportWriter? report, bool printList, CancellationToken ct)
    {
        var plan = await runner.PlanAsync(ct).ConfigureAwait(false);
        var shard = runner.Planner.Shard;
        var missing = plan.Where(i => i.Action != BatchAction.Skip).ToList();
        foreach (var item in plan)
        {
            report?.WritePlan(item);
        }

        foreach (var item in missing.Where(_ => printList))
        {
            Console.Out.WriteLine(ControlCharacterEscaping.Escape(
                $"{(item.Action == BatchAction.Fail ? "failing" : "missing"),-7} {shard.NameOf(item.RelativePath),-9} {item.Source.Location} -> {item.Destination} ({item.Reason})"));
        }

        int code = missing.Count == 0 ? ExitCodes.Success : ExitCodes.VerificationFailed;
        int failing = missing.Count(i => i.Action == BatchAction.Fail);
        report?.WriteSummary(new BatchSummary(plan.Count, 0, plan.Count - missing.Count, failing, missing.Count - failing, 0, 0, TimeSpan.Zero), code, dryRun: true);
        if (code == ExitCodes.Success)
        {
            Log.Information("Check, shard {Shard}: all {Inputs} inputs have an up-to-date output", BatchScaling.Describe(shard), plan.Count);
            return WithReportOutcome(code, report);
        }

        var shards = missing.Select(i => ShardSpec.ShardOf(i.RelativePath, shard.Count)).Distinct().Order().ToList();
        Log.Error("Check, shard {Shard}: {Missing} of {Inputs} inputs have no up-to-date output ({Failing} cannot be converted as planned), in shard(s) {Shards} of {Count}; run those shards again (Slurm: sbatch --array={Shards})",
            BatchScaling.Describe(shard), missing.Count, plan.Count, failing, string.Join(',', shards), shard.Count, string.Join(',', shards));
        return code;
    }

    /// <summary>
    /// A report that could not be written does not hide the work's own failures (6 stays 6), but a run whose every
    /// input is done is not "ok" to a script that reads the report it asked for: 4, as for any other write failure.
    /// </summary>
    private static int WithReportOutcome(int code, BatchReportWriter? report) =>
        code == ExitCodes.Success && report is { Failed: true } ? ExitCodes.IoError : code;
}
