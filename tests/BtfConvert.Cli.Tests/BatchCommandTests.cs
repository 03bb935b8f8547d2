using System.Text.Json;
using BtfConvert.Core.Batch;

namespace BtfConvert.Cli.Tests;

public sealed class BatchCommandTests : IDisposable
{
    private readonly BatchTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static int Count(JsonElement summary, string field) => summary.GetProperty(field).GetInt32();

    [Fact]
    public async Task Nested_folders_are_mirrored_and_a_second_run_converts_nothing()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("2024/03/b.btf", 2);
        _tree.Slide("2024/04/deep/c.BTF", 3);
        _tree.Junk("2024/notes.txt");

        var r = await _tree.RunAsync();
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Equal(
            ["2024/03/b.tiff", "2024/04/deep/c.tiff", "a.tiff"],
            _tree.DestinationFiles());
        Assert.Equal(3, _tree.Items("converted").Count);
        var summary = _tree.Summary();
        Assert.Equal(3, Count(summary, "converted"));
        Assert.Equal(0, Count(summary, "exitCode"));

        var before = Directory.GetFiles(_tree.Destination, "*.tiff", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        r = await _tree.RunAsync();
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Equal(3, _tree.Items("skipped").Count);
        Assert.Empty(_tree.Items("converted"));
        Assert.All(_tree.Items(), i => Assert.Equal("up to date", i.GetProperty("reason").GetString()));
        Assert.All(before, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));
    }

    [Fact]
    public async Task Report_lines_have_the_documented_fields()
    {
        _tree.Slide("x/good.btf", 1);
        _tree.Junk("x/bad.btf");
        var r = await CliRunner.RunAsync(["batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--report", "-", "-c", "deflate"]);
        Assert.Equal(ExitCodes.PartialFailure, r.ExitCode);
        var lines = BatchTree.ParseLines(r.StdOut);
        Assert.Equal(3, lines.Count);
        foreach (var item in lines.Take(2))
        {
            Assert.Equal("item", item.GetProperty("type").GetString());
            foreach (var field in new[] { "status", "source", "destination", "reason", "error", "errorKind", "sourceBytes", "outputBytes", "seconds", "megabytesPerSecond", "time" })
            {
                Assert.True(item.TryGetProperty(field, out _), field);
            }
        }

        var good = lines.Take(2).Single(l => l.GetProperty("source").GetString()!.EndsWith("good.btf", StringComparison.Ordinal));
        Assert.Equal("converted", good.GetProperty("status").GetString());
        Assert.Equal(new FileInfo(_tree.Output("x/good.tiff")).Length, good.GetProperty("outputBytes").GetInt64());
        Assert.Equal(new FileInfo(Path.Combine(_tree.Source, "x/good.btf")).Length, good.GetProperty("sourceBytes").GetInt64());
        Assert.True(good.GetProperty("megabytesPerSecond").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, good.GetProperty("error").ValueKind);

        var summary = lines[^1];
        Assert.Equal("summary", summary.GetProperty("type").GetString());
        Assert.Equal(2, Count(summary, "inputs"));
        Assert.Equal(1, Count(summary, "failed"));
        Assert.Equal(ExitCodes.PartialFailure, Count(summary, "exitCode"));
    }

    [Fact]
    public async Task A_changed_source_or_changed_options_are_converted_again()
    {
        string a = _tree.Slide("a.btf", 1);
        _tree.Slide("b.btf", 2);
        Assert.Equal(ExitCodes.Success, (await _tree.RunAsync()).ExitCode);
        byte[] oldA = File.ReadAllBytes(_tree.Output("a.tiff"));

        _tree.Slide("a.btf", 99);
        File.SetLastWriteTimeUtc(a, DateTime.UtcNow.AddMinutes(1));
        var r = await _tree.RunAsync();
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        var converted = Assert.Single(_tree.Items("converted"));
        Assert.EndsWith("a.btf", converted.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("the source changed", converted.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(oldA, File.ReadAllBytes(_tree.Output("a.tiff")));
        Assert.Single(_tree.Items("skipped"));

        r = await _tree.RunAsync("--quality", "50");
        Assert.Equal(2, _tree.Items("converted").Count);
        Assert.All(_tree.Items(), i => Assert.StartsWith("the options changed", i.GetProperty("reason").GetString(), StringComparison.Ordinal));

        r = await _tree.RunAsync("--quality", "50", "--force");
        Assert.Equal(2, _tree.Items("converted").Count);
    }

    [Fact]
    public async Task A_corrupt_input_among_good_ones_is_reported_and_the_rest_are_converted()
    {
        _tree.Slide("a.btf", 1);
        string bad = _tree.Junk("b/broken.btf");
        _tree.Slide("c.btf", 3);
        var truncated = Path.Combine(_tree.Source, "d.btf");
        _tree.Slide("d.btf", 4);
        using (var s = File.OpenWrite(truncated))
        {
            s.SetLength(s.Length / 2);
        }

        var r = await _tree.RunAsync();
        Assert.Equal(ExitCodes.PartialFailure, r.ExitCode);
        Assert.True(File.Exists(_tree.Output("a.tiff")));
        Assert.True(File.Exists(_tree.Output("c.tiff")));
        Assert.False(File.Exists(_tree.Output("b/broken.tiff")));
        Assert.False(File.Exists(_tree.Output("d.tiff")));
        Assert.DoesNotContain(_tree.DestinationFiles(), f => f.EndsWith(".tmp", StringComparison.Ordinal));

        var failed = _tree.Items("failed");
        Assert.Equal(2, failed.Count);
        var broken = failed.Single(f => f.GetProperty("source").GetString() == bad);
        Assert.Contains(bad, broken.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("bad-input", broken.GetProperty("errorKind").GetString());
        Assert.Contains(r.StdErr.Split('\n'), l => l.Contains(" ERR ", StringComparison.Ordinal) && l.Contains(bad, StringComparison.Ordinal));
        Assert.Equal(2, Count(_tree.Summary(), "converted"));

        // Failed inputs are tried again on the next run; the good ones are not.
        r = await _tree.RunAsync();
        Assert.Equal(ExitCodes.PartialFailure, r.ExitCode);
        Assert.Equal(2, _tree.Items("failed").Count);
        Assert.Equal(2, _tree.Items("skipped").Count);
    }

    [Fact]
    public async Task Fail_fast_stops_at_the_first_failure()
    {
        _tree.Junk("a-broken.btf");
        _tree.Slide("b.btf", 2);
        _tree.Slide("c.btf", 3);
        var r = await _tree.RunAsync("--fail-fast", "--jobs", "1");
        Assert.Equal(ExitCodes.PartialFailure, r.ExitCode);
        Assert.DoesNotContain(_tree.DestinationFiles(), f => f.EndsWith(".tiff", StringComparison.Ordinal) || f.EndsWith(".tmp", StringComparison.Ordinal));
        var summary = _tree.Summary();
        Assert.Equal(1, Count(summary, "failed"));
        Assert.Equal(2, Count(summary, "notAttempted"));
    }

    [Fact]
    public async Task Dry_run_prints_the_plan_and_writes_nothing()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("sub/b.btf", 2);
        var r = await CliRunner.RunAsync("batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--dry-run");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.False(Directory.Exists(_tree.Destination));
        Assert.Empty(Directory.GetFiles(_tree.LockDir));
        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("convert ", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(_tree.Output("sub/b.tiff"), StringComparison.Ordinal) && l.EndsWith("(no output yet)", StringComparison.Ordinal));

        Assert.Equal(ExitCodes.Success, (await _tree.RunAsync()).ExitCode);
        var files = _tree.DestinationFiles();
        _tree.Slide("a.btf", 5);
        File.SetLastWriteTimeUtc(Path.Combine(_tree.Source, "a.btf"), DateTime.UtcNow.AddMinutes(1));
        r = await _tree.RunAsync("--dry-run");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        var plan = _tree.ReportLines().Where(l => l.GetProperty("type").GetString() == "plan").ToList();
        Assert.Equal(["convert", "skip"], plan.Select(p => p.GetProperty("action").GetString()));
        Assert.Equal(files, _tree.DestinationFiles());
    }

    [Fact]
    public async Task Outputs_of_the_convert_command_are_recognised_and_foreign_files_are_left_alone()
    {
        string a = _tree.Slide("a.btf", 1);
        _tree.Slide("b.btf", 2);
        Directory.CreateDirectory(_tree.Destination);
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("convert", a, _tree.Output("a.tiff"), "-c", "deflate")).ExitCode);
        File.WriteAllText(_tree.Output("b.tiff"), "precious, not ours");

        var r = await _tree.RunAsync();
        Assert.Equal(ExitCodes.PartialFailure, r.ExitCode);
        Assert.Single(_tree.Items("skipped"));
        var foreign = Assert.Single(_tree.Items("failed"));
        Assert.Contains("not written by btfconvert", foreign.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("precious, not ours", File.ReadAllText(_tree.Output("b.tiff")));

        r = await _tree.RunAsync("--overwrite");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.NotEqual("precious, not ours", File.ReadAllText(_tree.Output("b.tiff")));
    }

    /// <summary>Converts a.btf and <paramref name="second"/> into the tree; returns a.tiff's bytes.</summary>
    private async Task<byte[]> ConvertTwoAsync(string second)
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide(second, 2);
        Assert.Equal(ExitCodes.Success, (await _tree.RunAsync()).ExitCode);
        return File.ReadAllBytes(_tree.Output("a.tiff"));
    }

    [Fact]
    public async Task A_copied_output_tree_is_up_to_date_and_an_output_edited_by_hand_is_someone_elses()
    {
        byte[] good = await ConvertTwoAsync("sub/b.btf");

        // cp -r without -p: new files, new modification times, no sidecar anywhere (the record is inside).
        string copy = Path.Combine(_tree.Root, "copy");
        foreach (string file in Directory.GetFiles(_tree.Destination, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(_tree.Destination, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddHours(1));
        }

        Assert.Equal(["a.tiff", "sub/b.tiff"], _tree.DestinationFiles());
        var r = await CliRunner.RunAsync("batch", _tree.Source, copy, "--lock-dir", _tree.LockDir, "--report", _tree.Report, "--compression", "deflate");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Equal(2, _tree.Items("skipped").Count);
        Assert.Empty(_tree.Items("converted"));

        // An output replaced by hand carries no record: someone else's file, left alone unless --overwrite.
        File.WriteAllText(_tree.Output("a.tiff"), "clobbered by hand");
        Assert.Equal(ExitCodes.PartialFailure, (await _tree.RunAsync()).ExitCode);
        Assert.Equal("clobbered by hand", File.ReadAllText(_tree.Output("a.tiff")));
        Assert.Equal(ExitCodes.Success, (await _tree.RunAsync("--overwrite")).ExitCode);
        Assert.Equal(RecordedTime.Masked(good), RecordedTime.MaskedFile(_tree.Output("a.tiff")));
    }

    [Fact]
    public async Task An_output_cut_short_after_its_head_is_converted_again()
    {
        byte[] good = await ConvertTwoAsync("b.btf");

        // An interrupted copy: the head (every IFD and the record) is whole, the tiles after it are not.
        File.WriteAllBytes(_tree.Output("a.tiff"), good[..(good.Length * 2 / 3)]);
        Assert.Equal(ExitCodes.Success, (await _tree.RunAsync()).ExitCode);

        Assert.Single(_tree.Items("converted"));
        Assert.Single(_tree.Items("skipped"));
        Assert.Equal(RecordedTime.Masked(good), RecordedTime.MaskedFile(_tree.Output("a.tiff")));
    }

    [Fact]
    public async Task A_held_lock_makes_a_second_run_exit_at_once_or_wait_with_the_flag()
    {
        _tree.Slide("a.btf", 1);
        string lockPath = BatchLock.PathFor(BatchLocations.NormalizeRoot(_tree.Destination), _tree.LockDir);
        var held = BatchLock.TryAcquire(lockPath, "a test standing in for another run");
        Assert.NotNull(held);
        try
        {
            var r = await _tree.RunAsync();
            Assert.Equal(ExitCodes.Locked, r.ExitCode);
            Assert.Contains("another batch run is writing to this destination", r.StdErr, StringComparison.Ordinal);
            Assert.Empty(_tree.DestinationFiles());
            Assert.False(File.Exists(_tree.Report), "a locked-out run must not touch the running one's report");

            // Another process sees the same lock (flock), not only this one.
            using var child = CliRunner.Start(_tree.Args());
            string stderr = await child.StandardError.ReadToEndAsync();
            await child.WaitForExitAsync();
            Assert.Equal(ExitCodes.Locked, child.ExitCode);
            Assert.Contains(lockPath, stderr, StringComparison.Ordinal);

            // With --wait it says it waits (read from its log: no sleep decides the order), then runs once released.
            using var waiting = CliRunner.Start(_tree.Args("--wait"));
            var waitingStdout = waiting.StandardOutput.ReadToEndAsync();
            string? line;
            while ((line = await waiting.StandardError.ReadLineAsync()) is not null && !line.Contains("waiting for it to finish", StringComparison.Ordinal))
            {
            }

            Assert.True(line is not null, $"the --wait run exited ({(waiting.HasExited ? waiting.ExitCode : -1)}) without waiting");
            Assert.False(File.Exists(_tree.Output("a.tiff")));
            held.Dispose();
            held = null;
            var rest = waiting.StandardError.ReadToEndAsync();
            await waiting.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(waiting.ExitCode == ExitCodes.Success, await rest + await waitingStdout);
            Assert.True(File.Exists(_tree.Output("a.tiff")));
        }
        finally
        {
            held?.Dispose();
        }
    }

    [SkippableFact]
    public async Task A_run_cancelled_after_the_first_output_leaves_nothing_half_written_and_a_rerun_completes()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "POSIX signals");
        for (int i = 0; i < 4; i++)
        {
            _tree.Slide($"s{i}.btf", i, 400, 300);
        }

        // The run pauses right after its first output (test-only hook); Ctrl-C lands there, with three inputs to go.
        using var paused = CliRunner.StartPausedAt("batch-output-published", _tree.Args("--jobs", "1"));
        await paused.ReachedAsync();
        var seen = Directory.GetFiles(_tree.Destination, "*.tiff").ToDictionary(f => f, f => new FileInfo(f).Length);
        Assert.Single(seen);
        await paused.SignalAndWaitAsync("INT");
        Assert.True(paused.Process.ExitCode == ExitCodes.Cancelled, $"exit {paused.Process.ExitCode}: {paused.StdErr}");
        var outputs = Directory.GetFiles(_tree.Destination, "*.tiff");
        Assert.Equal(seen.Keys.Order(StringComparer.Ordinal), outputs.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(_tree.DestinationFiles(), f => f.EndsWith(".tmp", StringComparison.Ordinal));

        var r = await _tree.RunAsync("--jobs", "1");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Equal(outputs.Length, _tree.Items("skipped").Count);
        Assert.Equal(4 - outputs.Length, _tree.Items("converted").Count);
        Assert.Equal(4, Directory.GetFiles(_tree.Destination, "*.tiff").Length);
        foreach (var (file, size) in seen)
        {
            Assert.Equal(new FileInfo(file).Length, size);
        }

        // Each output there at the cancellation equals a single conversion of its input (none was cut short).
        foreach (var output in outputs)
        {
            string reference = Path.Combine(_tree.Root, "reference.tiff");
            File.Delete(reference);
            string input = Path.Combine(_tree.Source, Path.GetFileNameWithoutExtension(output) + ".btf");
            Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("convert", input, reference, "-c", "deflate")).ExitCode);
            Assert.Equal(RecordedTime.MaskedFile(reference), RecordedTime.MaskedFile(output));
        }
    }

    [Fact]
    public async Task Sigterm_after_the_first_output_exits_130_and_a_rerun_finishes_the_rest()
    {
        for (int i = 0; i < 3; i++)
        {
            _tree.Slide($"s{i}.btf", i, 400, 300);
        }

        // The run pauses right after its first output (test-only hook); SIGTERM lands there.
        using var paused = CliRunner.StartPausedAt("batch-output-published", _tree.Args("--jobs", "1", "--threads", "1"));
        await paused.ReachedAsync();
        await paused.SignalAndWaitAsync("TERM");
        Assert.True(paused.Process.ExitCode == ExitCodes.Cancelled, $"exit {paused.Process.ExitCode}: {paused.StdErr}");
        int done = Directory.GetFiles(_tree.Destination, "*.tiff").Length;
        Assert.Equal(1, done);
        Assert.DoesNotContain(_tree.DestinationFiles(), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        Assert.Equal(done, _tree.Items("converted").Count);
        Assert.DoesNotContain(_tree.ReportLines(), l => l.GetProperty("type").GetString() == "summary");

        var r = await _tree.RunAsync();
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Equal(3 - done, _tree.Items("converted").Count);
        Assert.Equal(done, _tree.Items("skipped").Count);
    }

    [Fact]
    public async Task Json_logs_are_one_object_per_line_with_a_line_per_conversion()
    {
        _tree.Slide("a.btf", 1);
        _tree.Junk("b.btf");
        string logFile = Path.Combine(_tree.Root, "batch.log");
        var r = await _tree.RunAsync("--log-format", "json", "--log-file", logFile);
        Assert.Equal(ExitCodes.PartialFailure, r.ExitCode);
        var events = BatchTree.ParseLines(r.StdErr);
        Assert.All(events, e => Assert.True(e.TryGetProperty("@t", out _)));
        Assert.Contains(events, e => e.GetProperty("@mt").GetString()!.StartsWith("Converted ", StringComparison.Ordinal));
        Assert.Contains(events, e => e.TryGetProperty("@l", out var level) && level.GetString() == "Error");
        Assert.Equal(events.Count, BatchTree.ParseLines(File.ReadAllText(logFile)).Count);
    }

    [Theory]
    [InlineData("--jobs", "0")]
    [InlineData("--jobs", "257")] // BatchSettings.MaxJobs + 1
    [InlineData("--suffix", "a/b")]
    [InlineData("--quality", "0")]
    public async Task Bad_options_are_usage_errors(string option, string value)
    {
        _tree.Slide("a.btf", 1);
        var r = await _tree.RunAsync(option, value);
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Empty(_tree.DestinationFiles());
    }

    [Fact]
    public async Task Include_and_exclude_globs_select_inputs()
    {
        _tree.Slide("keep/a.btf", 1);
        _tree.Slide("skip/b.btf", 2);
        _tree.Slide("keep/c.tif", 3);
        var r = await _tree.RunAsync("--include", "*.btf", "--include", "keep/*.tif", "--exclude", "skip/", "--suffix", ".pyramid.tif");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Equal(["keep/a.pyramid.tif", "keep/c.pyramid.tif"],
            _tree.DestinationFiles());
    }
}
