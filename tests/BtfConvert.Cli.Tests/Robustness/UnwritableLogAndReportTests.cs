namespace BtfConvert.Cli.Tests.Robustness;

/// <summary>
/// What cron and systemd runs meet on a real host: /var/log full, a report folder not made yet, a report that cannot
/// be written. The log never changes the outcome of the work (one warning, the work's own exit code); a missing
/// report folder is created; a report that cannot be written is one line naming it, every input is still converted,
/// and the run exits 4 (or 6 when inputs failed as well).
/// </summary>
public sealed class UnwritableLogAndReportTests : IDisposable
{
    private readonly BatchTree _tree = new();

    public void Dispose() => _tree.Dispose();

    /// <summary>
    /// btfconvert as a child process in a private mount namespace where <paramref name="mountPoint"/> is a 64 KiB
    /// tmpfs, filled to the last byte when <paramref name="full"/>, read-only when <paramref name="readOnly"/>. The
    /// mount goes with the process. Skipped where mount namespaces may not be made (not root).
    /// </summary>
    private static CliRunner.Result RunOnSmallTmpfs(string mountPoint, bool full, bool readOnly, params string[] args)
    {
        Skip.IfNot(OperatingSystem.IsLinux() && CliRunner.RunProgram("unshare", "-m", "true").ExitCode == 0, "needs unshare -m (root)");
        Directory.CreateDirectory(mountPoint);
        string script = "mount -t tmpfs -o \"size=64k${3:+,ro}\" none \"$1\" || exit 99; " +
            "if [ -n \"$2\" ]; then cat /dev/zero > \"$1/filler\" 2>/dev/null; [ \"$(df --output=avail \"$1\" | tail -1)\" -eq 0 ] || exit 98; fi; " +
            "shift 3; exec \"$@\"";
        var r = CliRunner.RunProgram("unshare", ["-m", "sh", "-c", script, "sh", mountPoint, full ? "full" : string.Empty, readOnly ? "ro" : string.Empty,
            "dotnet", CliRunner.CliDll, .. args]);
        Assert.True(r.ExitCode is not (98 or 99), $"the tmpfs could not be set up: {r.Output}");
        return r;
    }

    private static string[] Lines(string text, string fragment) =>
        text.Split('\n').Where(l => l.Contains(fragment, StringComparison.Ordinal)).ToArray();

    [SkippableFact]
    public void A_log_file_on_a_full_disk_is_one_warning_and_the_batch_exits_with_the_code_of_its_work()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("sub/b.btf", 2);
        string logs = Path.Combine(_tree.Root, "var-log");
        string log = Path.Combine(logs, "batch.log");

        var r = RunOnSmallTmpfs(logs, full: true, readOnly: false, [.. _tree.Args("--log-file", log, "--verbose")]);
        Assert.True(r.ExitCode == ExitCodes.Success, $"exit {r.ExitCode}: {r.Output}");
        Assert.Single(Lines(r.StdErr, "cannot be written"));
        Assert.Contains($"the log file {log} cannot be written", r.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Output, StringComparison.Ordinal);
        Assert.Equal(["a.tiff", "sub/b.tiff"], _tree.DestinationFiles());
        Assert.Equal(0, _tree.Summary().GetProperty("exitCode").GetInt32());

        // With a failing input the exit code is still the work's: 6, not the log's.
        _tree.Junk("c.btf");
        r = RunOnSmallTmpfs(logs, full: true, readOnly: false, [.. _tree.Args("--log-file", log)]);
        Assert.True(r.ExitCode == ExitCodes.PartialFailure, $"exit {r.ExitCode}: {r.Output}");
        Assert.Single(Lines(r.StdErr, "cannot be written"));
    }

    [SkippableFact]
    public void A_log_file_that_fills_the_disk_part_way_through_does_not_crash_the_run()
    {
        // 64 KiB free: the first lines fit, a verbose batch of twelve inputs writes more than that.
        for (int i = 0; i < 12; i++)
        {
            _tree.Slide($"s{i:00}.btf", i + 1, width: 64, height: 64);
        }

        string logs = Path.Combine(_tree.Root, "var-log");
        string log = Path.Combine(logs, "batch.log");
        var r = RunOnSmallTmpfs(logs, full: false, readOnly: false,
            [.. _tree.Args("--log-file", log, "--verbose", "--log-format", "json", "--jobs", "1", "--threads", "1")]);
        Assert.True(r.ExitCode == ExitCodes.Success, $"exit {r.ExitCode}: {r.Output}");
        Assert.Equal(12, _tree.Items("converted").Count);
        Assert.DoesNotContain("   at ", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_whose_folder_does_not_exist_is_written_into_a_new_folder()
    {
        _tree.Slide("a.btf", 1);
        string report = Path.Combine(_tree.Root, "var", "log", "btfconvert", "report-2026-12-03.jsonl");
        var r = await CliRunner.RunAsync("batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--report", report, "-c", "deflate");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Contains("\"type\":\"summary\"", File.ReadAllText(report), StringComparison.Ordinal);

        r = await CliRunner.RunAsync("batch", _tree.Source, _tree.Destination, "--dry-run", "--report", Path.Combine(_tree.Root, "plans", "plan.jsonl"));
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Contains("\"type\":\"plan\"", File.ReadAllText(Path.Combine(_tree.Root, "plans", "plan.jsonl")), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_report_on_a_full_device_is_one_line_naming_it_and_every_input_is_still_converted()
    {
        Skip.IfNot(File.Exists("/dev/full"), "/dev/full");
        _tree.Slide("a.btf", 1);
        _tree.Slide("b.btf", 2);
        _tree.Slide("c.btf", 3);
        var r = await CliRunner.RunAsync("batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--report", "/dev/full", "-c", "deflate");
        Assert.True(r.ExitCode == ExitCodes.IoError, r.Output);
        var line = Assert.Single(Lines(r.StdErr, " ERR "), l => !l.Contains("Batch done", StringComparison.Ordinal));
        Assert.Contains("the report /dev/full cannot be written", line, StringComparison.Ordinal);
        Assert.Equal(["a.tiff", "b.tiff", "c.tiff"], _tree.DestinationFiles());

        // A failed input keeps its own code: 6.
        _tree.Junk("d.btf");
        r = await CliRunner.RunAsync("batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--report", "/dev/full", "-c", "deflate");
        Assert.True(r.ExitCode == ExitCodes.PartialFailure, r.Output);
    }

    [SkippableFact]
    public void A_report_in_a_read_only_folder_is_one_line_naming_it_and_every_input_is_still_converted()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("b.btf", 2);
        string reports = Path.Combine(_tree.Root, "reports");
        string report = Path.Combine(reports, "report.jsonl");
        var r = RunOnSmallTmpfs(reports, full: false, readOnly: true,
            "batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--report", report, "-c", "deflate");
        Assert.True(r.ExitCode == ExitCodes.IoError, $"exit {r.ExitCode}: {r.Output}");
        var line = Assert.Single(Lines(r.StdErr, " ERR "), l => !l.Contains("Batch done", StringComparison.Ordinal));
        Assert.Contains($"the report {report} cannot be written", line, StringComparison.Ordinal);
        Assert.Equal(["a.tiff", "b.tiff"], _tree.DestinationFiles());
    }
}
