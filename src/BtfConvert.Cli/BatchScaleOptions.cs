using System.CommandLine;
using System.Globalization;
using BtfConvert.Core;
using BtfConvert.Core.Batch;
using Serilog;

namespace BtfConvert.Cli;

/// <summary>
/// The batch options that size the work to the machine and the fleet: <c>--jobs</c> (default from cores and
/// memory) and <c>--shard I/N|auto/N|all/N</c> (this worker's part of the inputs). docs/scale-out.md.
/// </summary>
public static class BatchScaleOptions
{
    public static Option<int?> Jobs { get; } = new("--jobs")
    {
        Description = $"Conversions at once (default: half the cores, at least 2, as far as 3/4 of the memory holds at " +
            $"~{JobCount.LocalJobBytes >> 20} MB per job, ~{JobCount.S3JobBytes >> 20} MB with S3; the chosen value is logged)",
    };

    public static Option<string?> Shard { get; } = new("--shard")
    {
        Description = "Take only shard I of N of the inputs (by a hash of the path relative to SOURCE): I/N, auto/N (I from " +
            $"{ShardSpec.KubernetesIndexVariable}, {ShardSpec.AwsBatchIndexVariable} or {ShardSpec.SlurmTaskIdVariable}), " +
            "or all/N with --dry-run to print inputs and bytes per shard",
        HelpName = "I/N|auto/N|all/N",
    };

    /// <summary>The shard this run takes; <c>all/N</c> only with --dry-run.</summary>
    public static ShardSpec ShardFrom(ParseResult result, bool dryRun)
    {
        var shard = result.GetValue(Shard) is { } text ? ShardSpec.Parse(text) : ShardSpec.Whole;
        return shard.IsAll && !dryRun
            ? throw new UsageException($"--shard {shard} only checks balance with --dry-run; to convert, give each worker its own I/N or auto/N")
            : shard;
    }

    /// <summary>The --jobs value, or the machine's default; logs which and why.</summary>
    public static int JobsFrom(ParseResult result, string source, string destination)
    {
        if (result.GetValue(Jobs) is { } given)
        {
            Log.Information("{Jobs} jobs at once (--jobs)", given);
            return given;
        }

        var chosen = JobCount.ForThisMachine(source, destination);
        Log.Information("{Jobs} jobs at once by default, {Reason}; --jobs to change", chosen.Jobs, chosen.Reason);
        return chosen.Jobs;
    }

    /// <summary>--dry-run --shard all/N: inputs and bytes per shard, to choose N before launching a fleet.</summary>
    public static void PrintBalance(IReadOnlyList<BatchItem> plan, ShardSpec shard, TextWriter output)
    {
        var shards = Enumerable.Range(0, shard.Count).Select(_ => new ShardLoad()).ToArray();
        foreach (var item in plan)
        {
            var load = shards[ShardSpec.ShardOf(item.RelativePath, shard.Count)];
            load.Inputs++;
            load.Bytes += item.Source.Length;
            if (item.Action == BatchAction.Convert)
            {
                load.ToConvert++;
                load.BytesToConvert += item.Source.Length;
            }
        }

        output.WriteLine($"{"shard",-10} {"inputs",8} {"GB",10} {"to convert",10} {"GB",10}");
        for (int i = 0; i < shards.Length; i++)
        {
            var s = shards[i];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{$"{i}/{shard.Count}",-10} {s.Inputs,8} {s.Bytes / 1e9,10:0.00} {s.ToConvert,10} {s.BytesToConvert / 1e9,10:0.00}"));
        }

        // The slowest worker sets the fleet's wall time: its share of the bytes against a perfectly even one.
        long total = shards.Sum(s => s.BytesToConvert), largest = shards.Max(s => s.BytesToConvert);
        double ratio = total == 0 ? 1 : largest / ((double)total / shard.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"largest shard to convert: {largest / 1e9:0.00} GB, {ratio:0.00}x an even share of {total / 1e9:0.00} GB"));
    }

    private sealed class ShardLoad
    {
        public int Inputs { get; set; }
        public long Bytes { get; set; }
        public int ToConvert { get; set; }
        public long BytesToConvert { get; set; }
    }
}
