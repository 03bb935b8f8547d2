using BtfConvert.Core.Batch;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// <c>batch --shard</c> between local directories: N workers started at once as separate processes split the
/// inputs exactly, write what one unsharded run writes, lock per shard, and survive a worker killed mid-way.
/// </summary>
public sealed class ShardedBatchTests : IDisposable
{
    private readonly BatchTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private ShardFleet Fleet(int count, string? destination = null) =>
        new(_tree.Root, count, _tree.Source, destination ?? _tree.Destination, "--lock-dir", _tree.LockDir, "--compression", "deflate");

    /// <summary>Every .tiff below a directory, relative path → bytes.</summary>
    private static SortedDictionary<string, byte[]> Tiffs(string root) => new(
        Directory.GetFiles(root, "*.tiff", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), RecordedTime.MaskedFile), StringComparer.Ordinal);

    [Fact]
    public async Task Shards_started_at_once_convert_every_input_once_as_one_unsharded_run_does_and_a_rerun_converts_nothing()
    {
        var inputs = Enumerable.Range(0, 10).Select(i => _tree.Slide($"{2020 + (i % 3)}/slide-{i}.btf", i)).Order(StringComparer.Ordinal).ToArray();
        var fleet = Fleet(3);

        await fleet.RunAllAtOnceAsync("--jobs", "1", "--threads", "1");
        Assert.Equal(inputs, fleet.ConvertedSources());
        for (int i = 0; i < 3; i++)
        {
            var lines = fleet.Lines(i);
            Assert.All(lines, l => Assert.Equal($"{i}/3", l.GetProperty("shard").GetString()));
            Assert.Equal(lines.Count(l => l.GetProperty("type").GetString() == "item"), inputs.Count(p => ShardSpec.ShardOf(Path.GetRelativePath(_tree.Source, p), 3) == i));
        }

        string unsharded = Path.Combine(_tree.Root, "unsharded");
        var whole = await CliRunner.RunAsync("batch", _tree.Source, unsharded, "--lock-dir", _tree.LockDir, "-c", "deflate");
        Assert.Equal(ExitCodes.Success, whole.ExitCode);
        Assert.Equal(Tiffs(unsharded), Tiffs(_tree.Destination));

        await fleet.RerunConvertsNothingAsync(inputs.Length);
    }

    [Fact]
    public async Task A_shard_killed_mid_way_leaves_nothing_half_written_and_its_rerun_completes()
    {
        // Four inputs in shard 0 of 2, big enough that the kill comes while the second is being written.
        var names = Enumerable.Range(0, 40).Select(i => $"s{i}.btf").ToList();
        var shardZero = names.Where(n => ShardSpec.ShardOf(n, 2) == 0).Take(4).ToList();
        var shardOne = names.Where(n => ShardSpec.ShardOf(n, 2) == 1).Take(2).ToList();
        foreach (var (name, seed) in shardZero.Concat(shardOne).Select((n, i) => (n, i)))
        {
            _tree.Slide(name, seed, 1600, 1100);
        }

        var fleet = Fleet(2);
        await fleet.KillAfterFirstOutputAsync(0, "--jobs", "1", "--threads", "1");
        var published = _tree.DestinationFiles().Where(f => f.EndsWith(".tiff", StringComparison.Ordinal)).ToList();
        Assert.InRange(published.Count, 1, shardZero.Count - 1);
        // Every output at a final name is whole: it has its record, and a verify of it passes.
        foreach (string output in published)
        {
            Assert.True(File.ReadAllBytes(_tree.Output(output)).AsSpan().IndexOf("<btfconvert:source-etag>"u8) > 0, output);
            Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("verify", _tree.Output(output))).ExitCode);
        }

        await fleet.RunAllAtOnceAsync();
        Assert.Equal(shardZero.Count - published.Count + shardOne.Count, fleet.Items("converted").Count);
        Assert.Equal(published.Count, fleet.Items("skipped").Count);
        Assert.Equal(6, _tree.DestinationFiles().Count(f => f.EndsWith(".tiff", StringComparison.Ordinal)));
        Assert.DoesNotContain(_tree.DestinationFiles(), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Auto_with_each_schedulers_variable_picks_the_inputs_of_the_explicit_index()
    {
        for (int i = 0; i < 12; i++)
        {
            _tree.Slide($"d{i % 4}/x{i}.btf", i, 64, 48);
        }

        string[] Plan(CliRunner.Result r)
        {
            Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
            return BatchTree.ParseLines(r.StdOut).Where(l => l.GetProperty("type").GetString() == "plan")
                .Select(l => l.GetProperty("source").GetString()!).Order(StringComparer.Ordinal).ToArray();
        }

        string[] DryRun(string spec) => ["batch", _tree.Source, _tree.Destination, "--dry-run", "--report", "-", "--shard", spec];
        var expected = Plan(await CliRunner.RunAsync(DryRun("1/3")));
        Assert.NotEmpty(expected);
        Assert.NotEqual(Plan(await CliRunner.RunAsync(DryRun("0/3"))), expected);

        var environments = new Dictionary<string, string>[]
        {
            new() { ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["JOB_COMPLETION_INDEX"] = "1" },
            new() { ["AWS_BATCH_JOB_ID"] = "a:1", ["AWS_BATCH_JOB_ARRAY_INDEX"] = "1", ["BTFCONVERT_SHARDS"] = "3" },
            new() { ["SLURM_JOB_ID"] = "8", ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_MAX"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "3" },
            // A rerun of tasks 1 and 2 only (sbatch --array=1,2): task 1 is still shard 1.
            new() { ["SLURM_JOB_ID"] = "9", ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_MAX"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "2" },
        };
        foreach (var environment in environments)
        {
            string spec = environment.ContainsKey("BTFCONVERT_SHARDS") ? "auto" : "auto/3";
            var r = await CliRunner.RunIsolatedAsync(environment, [.. DryRun(spec)[..^1], spec]);
            Assert.Equal(expected, Plan(r));
            // The log and the report's summary say which variable gave the index.
            string variable = environment.Keys.Single(k => k is "JOB_COMPLETION_INDEX" or "AWS_BATCH_JOB_ARRAY_INDEX" or "SLURM_ARRAY_TASK_ID");
            Assert.Contains($"from {variable}=1", r.StdErr, StringComparison.Ordinal);
            var summary = BatchTree.ParseLines(r.StdOut).Single(l => l.GetProperty("type").GetString() == "summary");
            Assert.StartsWith($"{variable}=1 (", summary.GetProperty("shardIndexFrom").GetString(), StringComparison.Ordinal);
        }

        // The left-over Kubernetes index in a Slurm task that once sent every task to shard 0 is refused.
        var stray = await CliRunner.RunIsolatedAsync(new Dictionary<string, string> { ["SLURM_JOB_ID"] = "8", ["SLURM_ARRAY_TASK_ID"] = "1", ["JOB_COMPLETION_INDEX"] = "0" },
            DryRun("auto/3"));
        Assert.True(stray.ExitCode == ExitCodes.UsageError, stray.Output);
        Assert.Contains("disagree", stray.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3/3", "less than")]
    [InlineData("0/0", "at least 1")]
    [InlineData("x/2", "I/N")]
    [InlineData("1", "I/N")]
    [InlineData("auto/2", "JOB_COMPLETION_INDEX")]
    [InlineData("all/2", "--dry-run")]
    public async Task Bad_shard_specs_are_usage_errors_and_write_nothing(string spec, string message)
    {
        _tree.Slide("a.btf", 1);
        // Isolated: auto/2 must not find a variable of the machine the tests run on.
        var r = await CliRunner.RunIsolatedAsync(new Dictionary<string, string>(), _tree.Args("--shard", spec));
        Assert.True(r.ExitCode == ExitCodes.UsageError, r.Output);
        var line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Contains("--shard", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
        Assert.Empty(_tree.DestinationFiles());
    }

    [Fact]
    public async Task A_copy_of_a_running_shard_is_locked_out_while_the_other_shards_run()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("b.btf", 2);
        _tree.Slide("c.btf", 3);
        string root = BatchLocations.NormalizeRoot(_tree.Destination);
        using var held = BatchLock.TryAcquire(BatchLock.PathFor(root, _tree.LockDir, ShardSpec.Parse("0/2")), "a test standing in for shard 0");
        Assert.NotNull(held);

        var r = await _tree.RunAsync("--shard", "0/2");
        Assert.Equal(ExitCodes.Locked, r.ExitCode);
        r = await _tree.RunAsync("--shard", "1/2");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        // Nor does a shard block an unsharded run (a different lock), whose plan then skips shard 1's outputs.
        Assert.Equal(ExitCodes.Success, (await _tree.RunAsync()).ExitCode);
    }

    [Fact]
    public async Task Dry_run_with_all_prints_inputs_and_bytes_per_shard_and_writes_nothing()
    {
        var inputs = Enumerable.Range(0, 9).Select(i => _tree.Slide($"n/x{i}.btf", i, 64 + (16 * i), 48)).ToList();
        var r = await _tree.RunAsync("--dry-run", "--shard", "all/4");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Empty(_tree.DestinationFiles());

        var rows = r.StdOut.Split('\n').Where(l => l.Contains("/4 ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, rows.Count);
        for (int shard = 0; shard < 4; shard++)
        {
            var mine = inputs.Where(p => ShardSpec.ShardOf(Path.GetRelativePath(_tree.Source, p).Replace('\\', '/'), 4) == shard).ToList();
            string[] columns = rows[shard].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal([$"{shard}/4", $"{mine.Count}", $"{mine.Sum(p => new FileInfo(p).Length) / 1e9:0.00}"], columns[..3]);
            // The report's plan lines carry each input's own shard.
            Assert.Equal(mine.Count, _tree.ReportLines().Count(l => l.GetProperty("type").GetString() == "plan" && l.GetProperty("shard").GetString() == $"{shard}/4"));
        }

        Assert.Contains("largest shard to convert", r.StdOut, StringComparison.Ordinal);
        Assert.Equal("all/4", _tree.Summary().GetProperty("shard").GetString());
    }

    [Fact]
    public async Task Check_lists_the_inputs_of_a_shard_that_never_ran_whatever_the_array_size_and_exits_8_until_none_is_left()
    {
        var inputs = Enumerable.Range(0, 9).Select(i => _tree.Slide($"c/x{i}.btf", i, 64, 48)).ToList();
        _tree.Junk("c/bad.btf");
        // An array of 2 tasks started with auto/3: shard 2 never runs, and both tasks exit 0 (the failure of issue 20).
        var fleet = Fleet(3);
        foreach (int shard in new[] { 0, 1 })
        {
            var run = await CliRunner.RunAsync(fleet.Args(shard));
            Assert.True(run.ExitCode is ExitCodes.Success or ExitCodes.PartialFailure, run.Output);
        }

        string Key(string path) => Path.GetRelativePath(_tree.Source, path).Replace('\\', '/');
        var neverRun = inputs.Where(p => ShardSpec.ShardOf(Key(p), 3) == 2).ToList();
        Assert.NotEmpty(neverRun);
        string bad = Path.Combine(_tree.Source, "c", "bad.btf");
        var expected = neverRun.Append(bad).Select(p => $"{ShardSpec.ShardOf(Key(p), 3)}/3 {p}").Order(StringComparer.Ordinal).ToArray();

        var check = await CliRunner.RunAsync("batch", _tree.Source, _tree.Destination, "--shard", "all/3", "--check", "-c", "deflate");
        Assert.True(check.ExitCode == ExitCodes.VerificationFailed, check.Output);
        var listed = check.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(c => $"{c[1]} {c[2]}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, listed);
        Assert.Contains($"--array={string.Join(',', expected.Select(e => e[0]).Distinct().Order())}", check.StdErr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_tree.Destination, "*.tmp*", SearchOption.AllDirectories));

        // The bad input is removed and the shard that was missing runs: nothing is left, with or without --shard.
        File.Delete(bad);
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync(fleet.Args(2))).ExitCode);
        check = await CliRunner.RunAsync("batch", _tree.Source, _tree.Destination, "--shard", "all/3", "--check", "-c", "deflate", "--report", "-");
        Assert.True(check.ExitCode == ExitCodes.Success, check.Output);
        var plan = BatchTree.ParseLines(check.StdOut).Where(l => l.GetProperty("type").GetString() == "plan").ToList();
        Assert.Equal(inputs.Count, plan.Count(l => l.GetProperty("action").GetString() == "skip"));
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("batch", _tree.Source, _tree.Destination, "--check", "-c", "deflate")).ExitCode);
    }
}
