using System.Globalization;
using BtfConvert.Core;
using BtfConvert.Core.Batch;
using Serilog;

namespace BtfConvert.Cli;

/// <summary>
/// Sizing a batch to the machine and the fleet: the default <c>--jobs</c> (from cores and memory, logged), the
/// <c>--shard</c> this worker takes, and the per-shard balance that <c>--dry-run --shard all/N</c> prints.
/// docs/scale-out.md.
/// </summary>
internal static class BatchScaling
{
    /// <summary>The shard this run takes (the whole batch without --shard); <c>all/N</c> only with --dry-run or --check.</summary>
    public static ShardSpec ShardFrom(string? text, bool writesNothing)
    {
        var shard = text is null ? ShardSpec.Whole : ShardSpec.Parse(text);
        if (shard.IsAll && !writesNothing)
        {
            throw new UsageException($"--shard {shard} only checks balance with --dry-run or a fleet's outputs with --check; to convert, give each worker its own I/N or auto/N");
        }

        if (shard.Caution is not null)
        {
            Log.Warning("--shard {Shard}: {Caution}", shard, shard.Caution);
        }

        return shard;
    }

    /// <summary>"3/16", with where auto found the index: "3/16 (from SLURM_ARRAY_TASK_ID=3 (Slurm, SLURM_JOB_ID=1234))".</summary>
    public static string Describe(ShardSpec shard) => shard.IndexSource is null ? shard.ToString() : $"{shard} (from {shard.IndexSource})";

    /// <summary>The --jobs value, or the machine's default; logs which and why.</summary>
    public static int JobsFrom(int? given, string source, string destination)
    {
        if (given is { } jobs)
        {
            Log.Information("{Jobs} jobs at once (--jobs)", jobs);
            return jobs;
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
