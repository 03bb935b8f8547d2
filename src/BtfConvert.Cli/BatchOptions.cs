using System.CommandLine;
using BtfConvert.Core.Batch;

namespace BtfConvert.Cli;

/// <summary>The arguments and options only <c>btfconvert batch</c> has (the conversion options are <see cref="ConvertCommand"/>'s).</summary>
internal sealed class BatchOptions
{
    public Argument<string> Source { get; } = LocationArgument.Create("source", "Directory or s3://bucket/prefix/ to convert, recursively");

    public Argument<string> Destination { get; } = LocationArgument.Create("destination", "Directory or s3://bucket/prefix/ to write the same tree into");

    public Option<string[]> Include { get; } = new("--include")
    {
        Description = $"Glob of inputs to convert, relative to SOURCE; repeatable (default {BatchSettings.DefaultInclude}). " +
            "A pattern without '/' matches the file name at any depth; '**' spans folders; case is ignored",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<string[]> Exclude { get; } = new("--exclude") { Description = "Glob of inputs to leave out (same rules); repeatable", Arity = ArgumentArity.OneOrMore };

    public Option<string> Suffix { get; } = new("--suffix") { Description = "Replaces each input's extension", DefaultValueFactory = _ => BatchSettings.DefaultSuffix };

    public Option<int?> Jobs { get; } = new("--jobs")
    {
        Description = "Conversions at once (default: half the cores, at least 2, as far as 3/4 of the memory holds at " +
            $"~{JobCount.LocalJobBytes >> 20} MB per job, ~{JobCount.S3JobBytes >> 20} MB with S3; the chosen value is logged)",
    };

    public Option<string?> Shard { get; } = new("--shard")
    {
        Description = "Take only shard I of N of the inputs (by a hash of the path relative to SOURCE): I/N, auto/N (I from the scheduler " +
            $"running the process: {ShardSpec.SlurmTaskIdVariable}, {ShardSpec.AwsBatchIndexVariable} or {ShardSpec.KubernetesIndexVariable}), " +
            $"auto (N from {ShardSpec.CountVariable} too), or all/N with --dry-run (inputs and bytes per shard) or --check",
        HelpName = "I/N|auto/N|auto|all/N",
    };

    public Option<bool> Force { get; } = new("--force") { Description = "Convert again even outputs that are up to date" };

    public Option<bool> DryRun { get; } = new("--dry-run", "-n") { Description = "Print what would be converted or skipped, and why; write nothing" };

    public Option<bool> Check { get; } = new("--check")
    {
        Description = "Write nothing; list every input that has no up-to-date output, with its shard, and exit 8 if there is any " +
            "(whether a fleet finished, whatever its array size)",
    };

    public Option<bool> FailFast { get; } = new("--fail-fast") { Description = "Stop at the first failed input (default: report it and go on)" };

    public Option<string?> Report { get; } = new("--report") { Description = "Write a JSON-lines report to this file ('-' for stdout)" };

    public Option<bool> Wait { get; } = new("--wait") { Description = "If another batch into DESTINATION is running, wait for it instead of exiting with code 7" };

    public Option<string?> LockDir { get; } = new("--lock-dir")
    {
        Description = $"Directory of the lock file (default ${BatchLock.DirectoryVariable} or /tmp)",
    };

    public Option<bool> Overwrite { get; } = new("--overwrite", "-f")
    {
        Description = "Also replace outputs that exist without a btfconvert record (someone else's files); outdated outputs of ours are always replaced",
    };

    public Option<double> StallTimeout { get; } = new("--stall-timeout")
    {
        Description = $"Seconds without progress after which one input is stopped and reported as failed; 0 = never (default {BatchSettings.DefaultStallTimeout.TotalSeconds:0})",
        DefaultValueFactory = _ => BatchSettings.DefaultStallTimeout.TotalSeconds,
    };

    public BatchSettings SettingsFrom(ParseResult result) => new()
    {
        Shard = BatchScaling.ShardFrom(result.GetValue(Shard), result.GetValue(DryRun) || result.GetValue(Check)),
        Source = result.GetValue(Source)!,
        Destination = result.GetValue(Destination)!,
        Include = result.GetValue(Include) is { Length: > 0 } included ? included : [BatchSettings.DefaultInclude],
        Exclude = result.GetValue(Exclude) ?? [],
        Suffix = result.GetValue(Suffix)!,
        Options = ConvertCommand.OptionsFrom(result),
        Force = result.GetValue(Force),
        Overwrite = result.GetValue(Overwrite),
        Jobs = BatchScaling.JobsFrom(result.GetValue(Jobs), result.GetValue(Source)!, result.GetValue(Destination)!),
        FailFast = result.GetValue(FailFast),
        StallTimeout = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(StallTimeout), -1, TimeSpan.MaxValue.TotalSeconds / 2)),
    };
}
