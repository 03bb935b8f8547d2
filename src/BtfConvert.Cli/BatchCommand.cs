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
        var source = LocationArgument.Create("source", "Directory or s3://bucket/prefix/ to convert, recursively");
        var destination = LocationArgument.Create("destination", "Directory or s3://bucket/prefix/ to write the same tree into");
        var include = new Option<string[]>("--include")
        {
            Description = $"Glob of inputs to convert, relative to SOURCE; repeatable (default {BatchSettings.DefaultInclude}). " +
                "A pattern without '/' matches the file name at any depth; '**' spans folders; case is ignored",
            Arity = ArgumentArity.OneOrMore,
        };
        var exclude = new Option<string[]>("--exclude") { Description = "Glob of inputs to leave out (same rules); repeatable", Arity = ArgumentArity.OneOrMore };
        var suffix = new Option<string>("--suffix") { Description = "Replaces each input's extension", DefaultValueFactory = _ => BatchSettings.DefaultSuffix };
        var force = new Option<bool>("--force") { Description = "Convert again even outputs that are up to date" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Print what would be converted or skipped, and why; write nothing" };
        var failFast = new Option<bool>("--fail-fast") { Description = "Stop at the first failed input (default: report it and go on)" };
        var report = new Option<string?>("--report") { Description = "Write a JSON-lines report to this file ('-' for stdout)" };
        var wait = new Option<bool>("--wait") { Description = "If another batch into DESTINATION is running, wait for it instead of exiting with code 7" };
        var lockDir = new Option<string?>("--lock-dir")
        {
            Description = $"Directory of the lock file (default ${BatchLock.DirectoryVariable} or /tmp)",
        };
        var overwrite = new Option<bool>("--overwrite", "-f")
        {
            Description = "Also replace outputs that exist without a btfconvert record (someone else's files); outdated outputs of ours are always replaced",
        };
        var command = new Command("batch", "Convert every .btf below a directory or S3 prefix, skipping outputs that are up to date (safe to run from cron)")
        {
            source, destination, include, exclude, suffix, BatchScaleOptions.Jobs, BatchScaleOptions.Shard, force, dryRun, failFast, report, wait, lockDir,
            ConvertCommand.TileSize, ConvertCommand.Compression, ConvertCommand.Quality, ConvertCommand.BigTiff,
            ConvertCommand.Threads, ConvertCommand.Mpp, overwrite,
        };

        command.SetAction((result, ct) => CommandRunner.RunAsync(result, global, ct, async () =>
        {
            var shard = BatchScaleOptions.ShardFrom(result, result.GetValue(dryRun));
            var settings = new BatchSettings
            {
                Source = result.GetValue(source)!,
                Destination = result.GetValue(destination)!,
                Include = result.GetValue(include) is { Length: > 0 } included ? included : [BatchSettings.DefaultInclude],
                Exclude = result.GetValue(exclude) ?? [],
                Suffix = result.GetValue(suffix)!,
                Options = ConvertCommand.OptionsFrom(result),
                Force = result.GetValue(force),
                Overwrite = result.GetValue(overwrite),
                Jobs = BatchScaleOptions.JobsFrom(result, result.GetValue(source)!, result.GetValue(destination)!),
                FailFast = result.GetValue(failFast),
                Shard = shard,
            };
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

            if (result.GetValue(dryRun))
            {
                using var planReport = BatchReportWriter.Open(result.GetValue(report), shard);
                return await DryRunAsync(runner, planReport, printPlan: result.GetValue(report) != "-", ct).ConfigureAwait(false);
            }

            string lockPath = BatchLock.PathFor(runner.Planner.DestinationRoot, result.GetValue(lockDir), shard);
            string holder = $"btfconvert batch {runner.Planner.SourceRoot} {runner.Planner.DestinationRoot} --shard {shard}";
            using var held = BatchLock.TryAcquire(lockPath, holder) ?? (result.GetValue(wait) ? await WaitForLockAsync(lockPath, holder, ct).ConfigureAwait(false) : null);
            if (held is null)
            {
                Log.Error("{Destination}: another batch run is writing to this destination (lock {Lock} is held); exiting. Use --wait to wait for it",
                    runner.Planner.DestinationRoot, lockPath);
                return ExitCodes.Locked;
            }

            // Opened under the lock: a run that finds the lock taken must not truncate the running one's report.
            using var reportWriter = BatchReportWriter.Open(result.GetValue(report), shard);
            progress.Report = reportWriter;

            var plan = await runner.PlanAsync(ct).ConfigureAwait(false);
            Log.Information("Batch {Source} to {Destination}, shard {Shard}: {Inputs} inputs, {Convert} to convert, {Skip} up to date, {Fail} failing; {Jobs} jobs x {Threads} threads",
                runner.Planner.SourceRoot, runner.Planner.DestinationRoot, shard, plan.Count, plan.Count(i => i.Action == BatchAction.Convert),
                plan.Count(i => i.Action == BatchAction.Skip), plan.Count(i => i.Action == BatchAction.Fail), settings.Jobs, settings.ThreadsPerJob);
            var summary = await progress.RunAsync(plan, live, () => runner.RunAsync(plan, ct)).ConfigureAwait(false);
            if (live)
            {
                // The bar is gone: the summary goes to the console as well as to the log file.
                await Log.CloseAndFlushAsync().ConfigureAwait(false);
                global.ConfigureLogging(result);
            }

            int code = summary.Failed > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
            reportWriter?.WriteSummary(summary, code, dryRun: false);
            var level = code == ExitCodes.Success ? Serilog.Events.LogEventLevel.Information : Serilog.Events.LogEventLevel.Error;
            Log.Write(level, "Batch done: {Converted} converted, {Skipped} skipped, {Failed} failed{NotAttempted} of {Inputs}; {Gigabytes:0.00} GB in {Seconds:0.0} s, {Rate:0.0} MB/s",
                summary.Converted, summary.Skipped, summary.Failed, summary.NotAttempted > 0 ? $", {summary.NotAttempted} not attempted (--fail-fast)" : string.Empty,
                summary.Inputs, summary.SourceBytes / 1e9, summary.Elapsed.TotalSeconds, summary.BytesPerSecond / 1e6);
            return code;
        }));
        return command;
    }

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
                Console.Out.WriteLine($"{action,-7} {item.Source.Location} -> {item.Destination} ({item.Reason})");
            }
        }

        if (printPlan && shard.IsAll)
        {
            BatchScaleOptions.PrintBalance(plan, shard, Console.Out);
        }

        int convert = plan.Count(i => i.Action == BatchAction.Convert), fail = plan.Count(i => i.Action == BatchAction.Fail);
        report?.WriteSummary(new BatchSummary(plan.Count, 0, plan.Count - convert - fail, fail, convert, 0, 0, TimeSpan.Zero), ExitCodes.Success, dryRun: true);
        Log.Information("Dry run, shard {Shard}: {Inputs} inputs, {Convert} would be converted, {Skip} skipped, {Fail} would fail; nothing was written",
            shard, plan.Count, convert, plan.Count - convert - fail, fail);
        return ExitCodes.Success;
    }
}
