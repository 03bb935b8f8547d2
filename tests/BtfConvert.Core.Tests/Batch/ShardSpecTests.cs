using BtfConvert.Core.Batch;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Tests.Batch;

/// <summary>--shard: the documented hash, the spec's grammar, the schedulers' variables, and the planner's filter.</summary>
public sealed class ShardSpecTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static readonly Func<string, string?> NoEnv = Env();

    [Theory]
    // Expected values from Python: int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % n,
    // so the function in docs/scale-out.md is the one implemented (first 8 bytes c8b01b1d8d6d28d1 for a.btf).
    [InlineData("a.btf", 3, 1)]
    [InlineData("a.btf", 1000, 521)]
    [InlineData("2024/03/b.btf", 1000, 729)]
    [InlineData("scans/ü.btf", 3, 0)]
    [InlineData("scans/ü.btf", 1000, 841)]
    public void The_shard_is_the_documented_hash_of_the_relative_path(string relative, int count, int expected) =>
        Assert.Equal(expected, ShardSpec.ShardOf(relative, count));

    [Fact]
    public void Shards_partition_the_inputs_and_spread_them_evenly()
    {
        var keys = Enumerable.Range(0, 4000).Select(i => $"2024/{i % 12:00}/slide-{i}.btf").ToList();
        var shards = Enumerable.Range(0, 8).Select(i => ShardSpec.Parse($"{i}/8", NoEnv)).ToList();
        Assert.All(keys, k => Assert.Single(shards, s => s.Contains(k)));
        // 500 expected per shard; a binomial spread of √(4000·⅛·⅞) ≈ 21, so ±100 is ~5 sigma.
        Assert.All(shards, s => Assert.InRange(keys.Count(s.Contains), 400, 600));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData("15/16", 15, 16)]
    public void Explicit_specs_parse(string text, int index, int count)
    {
        var shard = ShardSpec.Parse(text, NoEnv);
        Assert.Equal((index, count, false), (shard.Index, shard.Count, shard.IsAll));
        Assert.Equal(text, shard.ToString());
    }

    [Theory]
    [InlineData("4/4")]
    [InlineData("5/4")]
    [InlineData("0/0")]
    [InlineData("-1/4")]
    [InlineData("1/-4")]
    [InlineData("1")]
    [InlineData("1/")]
    [InlineData("/4")]
    [InlineData("a/4")]
    [InlineData("1/4/2")]
    [InlineData(" 1/4")]
    [InlineData("1.0/4")]
    [InlineData("99999999999/4")]
    [InlineData("")]
    public void Malformed_or_out_of_range_specs_are_usage_errors(string text)
    {
        var e = Assert.Throws<UsageException>(() => ShardSpec.Parse(text, NoEnv));
        Assert.Contains("--shard", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_takes_the_index_of_the_scheduler_running_the_process_and_says_which_variable()
    {
        var slurm = ShardSpec.Parse("auto/4", Env(("SLURM_JOB_ID", "77"), ("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MAX", "3"), ("SLURM_ARRAY_TASK_COUNT", "4")));
        Assert.Equal((1, "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_ID=1 (Slurm, SLURM_JOB_ID=77)", null), (slurm.Index, slurm.IndexVariable, slurm.IndexSource, slurm.Caution));
        var batch = ShardSpec.Parse("auto/4", Env(("AWS_BATCH_JOB_ID", "j:3"), ("AWS_BATCH_JOB_ARRAY_INDEX", "3")));
        Assert.Equal((3, "AWS_BATCH_JOB_ARRAY_INDEX"), (batch.Index, batch.IndexVariable));
        var pod = ShardSpec.Parse("AUTO/4", Env(("KUBERNETES_SERVICE_HOST", "10.0.0.1"), ("JOB_COMPLETION_INDEX", "2")));
        Assert.Equal((2, "JOB_COMPLETION_INDEX"), (pod.Index, pod.IndexVariable));
        // An index variable alone (a container started by hand with -e) is taken, and the source says so.
        Assert.Contains("is not set", ShardSpec.Parse("auto/4", Env(("JOB_COMPLETION_INDEX", "2"))).IndexSource, StringComparison.Ordinal);
        Assert.Null(ShardSpec.Parse("2/4", NoEnv).IndexSource);
    }

    [Fact]
    public void A_left_over_index_of_another_scheduler_that_disagrees_is_refused_one_that_agrees_is_harmless()
    {
        // sbatch passes the submitting shell's JOB_COMPLETION_INDEX=0 into every task: all would have taken shard 0.
        var e = Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/8", Env(("SLURM_JOB_ID", "5"), ("SLURM_ARRAY_TASK_ID", "3"), ("JOB_COMPLETION_INDEX", "0"))));
        Assert.Contains("SLURM_ARRAY_TASK_ID=3", e.Message, StringComparison.Ordinal);
        Assert.Contains("JOB_COMPLETION_INDEX=0", e.Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/8", Env(("SLURM_JOB_ID", "5"), ("SLURM_ARRAY_TASK_ID", "3"), ("AWS_BATCH_JOB_ARRAY_INDEX", "1"))));
        // Slurm really runs it even in a pod (KUBERNETES_SERVICE_HOST) and with a stray AWS_BATCH_JOB_ID.
        Assert.Equal(0, ShardSpec.Parse("auto/8", Env(("SLURM_JOB_ID", "5"), ("SLURM_ARRAY_TASK_ID", "0"), ("JOB_COMPLETION_INDEX", "0"), ("KUBERNETES_SERVICE_HOST", "h"))).Index);
        Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/8", Env(("SLURM_JOB_ID", "5"), ("SLURM_ARRAY_TASK_ID", "2"), ("AWS_BATCH_JOB_ID", "j"), ("AWS_BATCH_JOB_ARRAY_INDEX", "1"))));
        // Without any job variable, two index variables must agree too.
        Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/8", Env(("JOB_COMPLETION_INDEX", "1"), ("AWS_BATCH_JOB_ARRAY_INDEX", "2"))));
    }

    [Fact]
    public void A_scheduler_that_runs_the_process_without_an_array_index_is_refused()
    {
        Assert.Contains("--array=0-3", Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/4", Env(("SLURM_JOB_ID", "5")))).Message, StringComparison.Ordinal);
        Assert.Contains("size=4", Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/4", Env(("AWS_BATCH_JOB_ID", "j"), ("JOB_COMPLETION_INDEX", "1")))).Message, StringComparison.Ordinal);
        Assert.Contains("Indexed", Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/4", Env(("KUBERNETES_SERVICE_HOST", "h")))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Slurm_task_ids_are_shard_indexes_so_a_rerun_of_some_tasks_works_and_tasks_beyond_n_are_refused()
    {
        // The documented rerun: sbatch --array=3,7 gives COUNT=2, MIN=3, MAX=7; each task takes its own ID.
        var rerun = ShardSpec.Parse("auto/16", Env(("SLURM_JOB_ID", "9"), ("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_MIN", "3"), ("SLURM_ARRAY_TASK_MAX", "7"), ("SLURM_ARRAY_TASK_COUNT", "2")));
        Assert.Equal(7, rerun.Index);
        Assert.Contains("SLURM_ARRAY_TASK_COUNT=2", rerun.Caution, StringComparison.Ordinal);
        Assert.Contains("--check", rerun.Caution, StringComparison.Ordinal);
        // --array=1-16 for auto/16: task 16 has no shard, and every task sees MAX=16, so all refuse at once.
        var e = Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/16", Env(("SLURM_JOB_ID", "9"), ("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "16"))));
        Assert.Contains("--array=0-15", e.Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/4", Env(("SLURM_JOB_ID", "9"), ("SLURM_ARRAY_TASK_ID", "4"))));
    }

    [Fact]
    public void Auto_without_n_takes_n_from_btfconvert_shards_and_n_given_twice_must_agree()
    {
        var shard = ShardSpec.Parse("auto", Env(("BTFCONVERT_SHARDS", "8"), ("AWS_BATCH_JOB_ID", "j"), ("AWS_BATCH_JOB_ARRAY_INDEX", "5")));
        Assert.Equal((5, 8), (shard.Index, shard.Count));
        Assert.Contains("BTFCONVERT_SHARDS", Assert.Throws<UsageException>(() => ShardSpec.Parse("auto", Env(("AWS_BATCH_JOB_ARRAY_INDEX", "5")))).Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => ShardSpec.Parse("auto", Env(("BTFCONVERT_SHARDS", "0"), ("AWS_BATCH_JOB_ARRAY_INDEX", "0"))));
        Assert.Contains("BTFCONVERT_SHARDS=8", Assert.Throws<UsageException>(() =>
            ShardSpec.Parse("auto/16", Env(("BTFCONVERT_SHARDS", "8"), ("AWS_BATCH_JOB_ARRAY_INDEX", "5")))).Message, StringComparison.Ordinal);
        // An array of 8 told it has 4 shards: index 5 is refused rather than some inputs being left out.
        Assert.Throws<UsageException>(() => ShardSpec.Parse("auto", Env(("BTFCONVERT_SHARDS", "4"), ("AWS_BATCH_JOB_ARRAY_INDEX", "5"))));
    }

    [Fact]
    public void Auto_without_a_scheduler_or_with_a_bad_index_is_a_usage_error_naming_the_variables()
    {
        var none = Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/4", NoEnv));
        foreach (string name in new[] { "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID" })
        {
            Assert.Contains(name, none.Message, StringComparison.Ordinal);
        }

        Assert.Contains("not a shard of 4", Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/4", Env(("JOB_COMPLETION_INDEX", "4")))).Message, StringComparison.Ordinal);
        Assert.Contains("JOB_COMPLETION_INDEX='x'", Assert.Throws<UsageException>(() => ShardSpec.Parse("auto/4", Env(("JOB_COMPLETION_INDEX", "x")))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_labels_every_input_with_its_shard()
    {
        var all = ShardSpec.Parse("all/3", NoEnv);
        Assert.True(all.IsAll);
        Assert.True(all.Contains("a.btf"));
        Assert.Equal("1/3", all.NameOf("a.btf"));
        Assert.Equal("0/1", ShardSpec.Whole.NameOf("a.btf"));
        Assert.Equal("all/3", all.ToString());
    }

    [Fact]
    public void The_planner_keeps_only_its_shard_after_deciding_collisions_on_the_whole_listing()
    {
        StorageObjectInfo Listed(string key) => new("s3://in/scans/" + key, 10, "\"e\"", DateTimeOffset.UnixEpoch, new Dictionary<string, string>());
        // slide.btf and slide.tif collide on slide.tiff whichever shards they fall in: the first (ordinal) converts.
        var listing = Enumerable.Range(0, 40).Select(i => Listed($"d{i}/x.btf")).Append(Listed("slide.btf")).Append(Listed("slide.tif")).ToList();
        var plans = Enumerable.Range(0, 3).Select(i => new BatchPlanner(new BatchSettings
        {
            Source = "s3://in/scans/",
            Destination = "s3://out/",
            Include = ["*.btf", "*.tif"],
            Options = new ConversionOptions(),
            Shard = ShardSpec.Parse($"{i}/3", NoEnv),
        }).Select(listing)).ToList();

        var whole = new BatchPlanner(new BatchSettings { Source = "s3://in/scans/", Destination = "s3://out/", Include = ["*.btf", "*.tif"] }).Select(listing);
        Assert.Equal(whole.Select(i => (i.RelativePath, i.Action)).Order(), plans.SelectMany(p => p).Select(i => (i.RelativePath, i.Action)).Order());
        for (int i = 0; i < 3; i++)
        {
            Assert.All(plans[i], item => Assert.Equal(i, ShardSpec.ShardOf(item.RelativePath, 3)));
        }

        Assert.Equal(BatchAction.Fail, plans.SelectMany(p => p).Single(i => i.RelativePath == "slide.tif").Action);
    }
}
