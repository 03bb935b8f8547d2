using System.Text.Json;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// A real scan tree is messy: names from old Windows/Samba shares that are not UTF-8, symlink farms, folders with
/// wrong permissions, names with control characters. One odd file never stops a night's batch, and a rerun
/// converts nothing twice (issue 19).
/// </summary>
public sealed class MessyTreeTests : IDisposable
{
    private readonly BatchTree _tree = new();

    public void Dispose() => _tree.Dispose();

    /// <summary>Creates a file whose name holds raw bytes (printf octal escapes, e.g. \351 for Latin-1 é): .NET cannot name it.</summary>
    internal static void RawNamedFile(string directory, string printfName, string content = "x")
    {
        Directory.CreateDirectory(directory);
        var r = CliRunner.RunProgram("sh", "-c", "printf '%s' \"$2\" > \"$1/$(printf \"$3\")\"", "sh", directory, content, printfName);
        Assert.True(r.ExitCode == 0, r.Output);
    }

    private static string[] Lines(CliRunner.Result r, string level) =>
        r.StdErr.Split('\n').Where(l => l.Contains($" {level} ", StringComparison.Ordinal)).ToArray();

    private static int Count(JsonElement summary, string field) => summary.GetProperty(field).GetInt32();

    [Fact]
    public async Task A_name_that_is_not_UTF8_is_one_warning_and_the_batch_converts_the_rest()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("notes/b.btf", 2);
        RawNamedFile(Path.Combine(_tree.Source, "notes"), "r\\351sum\\351.txt");

        foreach (var extra in new[] { new[] { "--dry-run" }, ["--exclude", "notes/"], [] })
        {
            var r = await _tree.RunAsync(extra);
            Assert.True(r.ExitCode == ExitCodes.Success, $"{string.Join(' ', extra)}: exit {r.ExitCode}: {r.Output}");
            Assert.Empty(Lines(r, "ERR"));
            Assert.True(extra is ["--exclude", _] == (Lines(r, "WRN").Length == 0), r.Output);
            if (extra.Length == 0)
            {
                var warning = Assert.Single(Lines(r, "WRN"));
                Assert.Contains("not valid UTF-8", warning, StringComparison.Ordinal);
                Assert.Contains("sum\uFFFD.txt", warning, StringComparison.Ordinal);
            }
        }

        Assert.Equal(["a.tiff", "notes/b.tiff"], _tree.DestinationFiles());
    }

    [Fact]
    public async Task A_selected_input_whose_name_is_not_UTF8_is_one_failed_item_naming_it()
    {
        _tree.Slide("a.btf", 1);
        RawNamedFile(_tree.Source, "sc\\351n.btf");

        var r = await _tree.RunAsync();

        Assert.True(r.ExitCode == ExitCodes.PartialFailure, r.Output);
        var error = Assert.Single(Lines(r, "ERR"), l => l.Contains("Failed:", StringComparison.Ordinal));
        Assert.Contains($"{_tree.Source}/sc\uFFFDn.btf: the file name is not valid UTF-8", error, StringComparison.Ordinal);
        Assert.Single(_tree.Items("failed"));
        Assert.Single(_tree.Items("converted"));
        Assert.Equal(["a.tiff"], _tree.DestinationFiles());
    }

    [Fact]
    public async Task A_symlink_farm_is_described_by_its_targets_converted_once_and_skipped_after()
    {
        string real = Path.Combine(_tree.Root, "real");
        Directory.CreateDirectory(real);
        string slide = _tree.Slide("../real/a.btf", 1);
        _tree.Slide("../real/sub/b.btf", 2);
        Directory.CreateDirectory(Path.Combine(_tree.Source, "sub"));
        File.CreateSymbolicLink(Path.Combine(_tree.Source, "a.btf"), slide);
        File.CreateSymbolicLink(Path.Combine(_tree.Source, "sub", "b.btf"), "../../real/sub/b.btf");
        File.CreateSymbolicLink(Path.Combine(_tree.Source, "gone.btf"), Path.Combine(real, "gone.btf"));

        var r = await _tree.RunAsync("--dry-run");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var plan = BatchTree.ParseLines(File.ReadAllText(_tree.Report)).Where(l => l.GetProperty("type").GetString() == "plan").ToList();
        Assert.Equal(2, plan.Count);
        Assert.Contains(plan, p => p.GetProperty("sourceBytes").GetInt64() == new FileInfo(slide).Length);

        r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var warning = Assert.Single(Lines(r, "WRN"));
        Assert.Contains($"{_tree.Source}/gone.btf: symbolic link to {real}/gone.btf, which does not exist", warning, StringComparison.Ordinal);
        Assert.Equal(2, _tree.Items("converted").Count);
        Assert.All(_tree.Items("converted"), i => Assert.True(i.GetProperty("sourceBytes").GetInt64() > 1000));

        r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Equal(2, _tree.Items("skipped").Count);
        Assert.Empty(_tree.Items("converted"));
        Assert.Equal(["a.tiff", "sub/b.tiff"], _tree.DestinationFiles());
    }

    [Fact]
    public async Task Names_with_control_characters_convert_and_log_lines_show_them_escaped()
    {
        _tree.Slide("ansi-\u001b[31mred.btf", 1);
        _tree.Slide("two\nlines.btf", 2);

        var r = await _tree.RunAsync();

        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Equal(["ansi-\u001b[31mred.tiff", "two\nlines.tiff"], _tree.DestinationFiles());
        Assert.DoesNotContain('\u001b', r.StdErr);
        Assert.Contains("ansi-\\x1b[31mred.btf", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("two\\nlines.btf", r.StdErr, StringComparison.Ordinal);
        Assert.All(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^\d{4}-\d\d-\d\dT", l));
        // The report is JSON: the names are there as they are.
        Assert.Contains(_tree.Items("converted"), i => i.GetProperty("source").GetString()!.EndsWith("two\nlines.btf", StringComparison.Ordinal));

        r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Equal(2, _tree.Items("skipped").Count);
    }

    [Fact]
    public async Task An_output_name_of_250_bytes_is_written_and_skipped_after()
    {
        // 246 + ".btf": the output's name is 251 bytes, its hidden temporary's would be ~310 with the whole name in it.
        string stem = new string('s', 123) + new string('é', 61) + "e";
        Assert.Equal(246, System.Text.Encoding.UTF8.GetByteCount(stem));
        _tree.Slide(Path.Combine("sub", stem + ".btf"), 1);

        var r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Equal([$"sub/{stem}.tiff"], _tree.DestinationFiles());

        r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Single(_tree.Items("skipped"));

        string single = Path.Combine(_tree.Root, stem + ".tiff");
        r = await CliRunner.RunAsync("convert", Path.Combine(_tree.Source, "sub", stem + ".btf"), single, "--compression", "deflate");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.True(File.Exists(single));
    }

    [Fact]
    public async Task A_batch_removes_temporaries_of_dead_processes_below_its_destination_and_nothing_else()
    {
        _tree.Slide("a.btf", 1);
        using var gone = System.Diagnostics.Process.Start("true")!;
        await gone.WaitForExitAsync();
        string Temp(string folder, string name, int pid, TimeSpan age)
        {
            string path = Path.Combine(_tree.Destination, folder, $".btfconvert-{name}.{pid}-{Guid.NewGuid():N}.tmp");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, new byte[4096]);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
            return path;
        }

        // Left by a SIGKILLed run whose source was moved away since: its output is never written again.
        string orphan = Temp("moved/away", "slide.tiff", gone.Id, TimeSpan.FromHours(5));
        string recent = Temp("moved", "other.tiff", gone.Id, TimeSpan.Zero);
        string alive = Temp("moved", "busy.tiff", 1, TimeSpan.FromHours(5));
        string foreign = Path.Combine(_tree.Destination, ".btfconvert-notes.txt");
        File.WriteAllText(foreign, "someone else's");
        File.SetLastWriteTimeUtc(foreign, DateTime.UtcNow - TimeSpan.FromHours(5));

        var r = await _tree.RunAsync("--dry-run");
        Assert.True(File.Exists(orphan), "a dry run writes and removes nothing");

        r = await _tree.RunAsync();

        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.False(File.Exists(orphan));
        Assert.Contains($"{_tree.Destination}: removed 1 temporaries", r.StdErr, StringComparison.Ordinal);
        Assert.True(File.Exists(recent), "a temporary written within the hour may belong to a run on another machine");
        Assert.True(File.Exists(alive), "a temporary of a live process is its work in progress");
        Assert.True(File.Exists(foreign));
    }

    [Fact]
    public async Task A_destination_reached_through_a_symbolic_link_shares_the_lock()
    {
        _tree.Slide("a.btf", 1);
        Directory.CreateDirectory(_tree.Destination);
        string link = Path.Combine(_tree.Root, "tiles-link");
        Directory.CreateSymbolicLink(link, _tree.Destination);
        using var held = Core.Batch.BatchLock.TryAcquire(Core.Batch.BatchLock.PathFor(_tree.Destination, _tree.LockDir), "another run");
        Assert.NotNull(held);

        var r = await CliRunner.RunAsync("batch", _tree.Source, link, "--lock-dir", _tree.LockDir);

        Assert.True(r.ExitCode == ExitCodes.Locked, r.Output);
        Assert.Empty(_tree.DestinationFiles());
    }

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Runs the CLI as a child through sh, so a shell redirection (">&-") or setpriv applies to it.</summary>
    private static CliRunner.Result RunThroughShell(string shellPrefix, string shellSuffix, params string[] args) =>
        CliRunner.RunProgram("sh", ["-c", $"{shellPrefix} dotnet \"$0\" \"$@\" {shellSuffix}", CliRunner.CliDll, .. args]);

    [Fact]
    public async Task A_closed_stdout_loses_only_what_goes_there_and_the_batch_converts_everything()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("b.btf", 2);
        _tree.Slide("c.btf", 3);

        var r = RunThroughShell("exec", ">&-", [.. _tree.Args("--dry-run")]);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);

        r = RunThroughShell("exec", ">&-", "batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--report", "-", "--compression", "deflate");

        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var warning = Assert.Single(Lines(r, "WRN"));
        Assert.Contains("standard output: closed when btfconvert started", warning, StringComparison.Ordinal);
        Assert.Empty(Lines(r, "ERR"));
        Assert.Equal(["a.tiff", "b.tiff", "c.tiff"], _tree.DestinationFiles());
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_destination_that_is_a_file_is_one_line_at_the_start()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("b.btf", 2);
        File.WriteAllText(_tree.Destination, "not a folder");

        foreach (var extra in new[] { Array.Empty<string>(), ["--dry-run"] })
        {
            var r = await _tree.RunAsync(extra);

            Assert.True(r.ExitCode == ExitCodes.IoError, r.Output);
            var error = Assert.Single(Lines(r, "ERR"));
            Assert.EndsWith($" ERR {_tree.Destination}: is a file, not a folder (the destination is the folder the outputs go in)", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_output_below_a_file_fails_that_input_naming_the_file_in_the_way()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("scans/b.btf", 2);
        Directory.CreateDirectory(_tree.Destination);
        File.WriteAllText(_tree.Output("scans"), "a file where a folder should be");

        var r = await _tree.RunAsync();

        Assert.True(r.ExitCode == ExitCodes.PartialFailure, r.Output);
        var error = Assert.Single(Lines(r, "ERR"), l => l.Contains("Failed:", StringComparison.Ordinal));
        Assert.Contains($"Failed: {_tree.Source}/scans/b.btf: {_tree.Output("scans/b.tiff")}: cannot create its folder {_tree.Output("scans")}: {_tree.Output("scans")} is a file, not a folder", error, StringComparison.Ordinal);

        r = await CliRunner.RunAsync("convert", Path.Combine(_tree.Source, "a.btf"), _tree.Output("scans/a.tiff"));
        Assert.True(r.ExitCode == ExitCodes.IoError, r.Output);
        Assert.Contains($" ERR {_tree.Output("scans/a.tiff")}: cannot be written: {_tree.Output("scans")} is a file, not a folder", r.StdErr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_read_only_destination_fails_each_input_with_a_line_that_starts_with_its_output()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && IsRoot, "needs root to mount a read-only tmpfs");
        _tree.Slide("a.btf", 1);
        _tree.Slide("sub/b.btf", 2);
        Directory.CreateDirectory(_tree.Destination);
        Skip.If(CliRunner.RunProgram("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", _tree.Destination).ExitCode != 0, "mount -t tmpfs is not permitted here");
        try
        {
            var r = await _tree.RunAsync();

            Assert.True(r.ExitCode == ExitCodes.PartialFailure, r.Output);
            var errors = Lines(r, "ERR").Where(l => l.Contains("Failed:", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(2, errors.Length);
            Assert.Contains($"Failed: {_tree.Source}/a.btf: {_tree.Output("a.tiff")}: cannot create the output: Read-only file system", errors[0], StringComparison.Ordinal);
            Assert.Contains($"Failed: {_tree.Source}/sub/b.btf: {_tree.Output("sub/b.tiff")}: cannot create its folder {_tree.Output("sub")}: Read-only file system", errors[1], StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", r.Output, StringComparison.Ordinal);
        }
        finally
        {
            CliRunner.RunProgram("umount", _tree.Destination);
        }
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_folder_the_run_may_not_read_is_a_warning_and_counted_in_the_summary()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && IsRoot && File.Exists("/usr/bin/setpriv"), "needs root and setpriv to run as nobody");
        _tree.Slide("a.btf", 1);
        _tree.Slide("locked/b.btf", 2);
        File.SetUnixFileMode(Path.Combine(_tree.Source, "locked"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(_tree.Destination);
        foreach (var writable in new[] { _tree.Destination, _tree.LockDir })
        {
            File.SetUnixFileMode(writable, (UnixFileMode)0b111_111_111);
        }

        var r = RunThroughShell("HOME=/tmp DOTNET_CLI_HOME=/tmp exec setpriv --reuid=65534 --regid=65534 --clear-groups", string.Empty,
            "batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--report", Path.Combine(_tree.LockDir, "r.jsonl"), "--compression", "deflate");

        Skip.If(r.ExitCode is 126 or 127, "dotnet not runnable as nobody");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var warning = Assert.Single(Lines(r, "WRN"));
        Assert.Contains($"{_tree.Source}/locked: the folder cannot be read (permission denied); its files were not listed", warning, StringComparison.Ordinal);
        Assert.Contains("1 folder could not be read", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("\"unreadableFolders\":1", File.ReadLines(Path.Combine(_tree.LockDir, "r.jsonl")).Last(), StringComparison.Ordinal);
        Assert.Equal(["a.tiff"], _tree.DestinationFiles());
    }

    [Fact]
    public async Task A_nightly_batch_over_a_messy_tree_converts_every_convertible_input_once_and_nothing_twice()
    {
        // What a real share looks like: Samba names that are not UTF-8, a symlink farm, links to nothing, control
        // characters, a 250-byte name, junk, a lost+found, and a temporary left by a killed run of last night.
        string real = Path.Combine(_tree.Root, "real");
        _tree.Slide("2024/a.btf", 1);
        _tree.Slide("2024/ansi-\u001b[31mred.btf", 2);
        _tree.Slide("2024/" + new string('n', 246) + ".btf", 3);
        string target = _tree.Slide("../real/farm-target.btf", 4);
        Directory.CreateDirectory(Path.Combine(_tree.Source, "farm"));
        File.CreateSymbolicLink(Path.Combine(_tree.Source, "farm", "linked.btf"), target);
        File.CreateSymbolicLink(Path.Combine(_tree.Source, "farm", "dangling.btf"), Path.Combine(real, "moved-away.btf"));
        Directory.CreateSymbolicLink(Path.Combine(_tree.Source, "farm", "loop"), "..");
        RawNamedFile(Path.Combine(_tree.Source, "notes"), "r\\351sum\\351.txt");
        RawNamedFile(Path.Combine(_tree.Source, "2024"), "sc\\351n.btf");
        _tree.Junk("2024/broken.btf");
        Directory.CreateDirectory(Path.Combine(_tree.Source, "lost+found"));
        string orphan = Path.Combine(_tree.Destination, "gone", $".btfconvert-gone.tiff.{int.MaxValue}-{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        File.WriteAllBytes(orphan, new byte[1000]);
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddDays(-1));

        var first = await _tree.RunAsync();

        Assert.True(first.ExitCode == ExitCodes.PartialFailure, first.Output);
        var converted = _tree.Items("converted").Select(i => Path.GetFileName(i.GetProperty("source").GetString()!)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["a.btf", "ansi-\u001b[31mred.btf", "linked.btf", new string('n', 246) + ".btf"], converted);
        // Failed: the junk and the selected name that cannot be opened; both every night, each one line naming it.
        var failed = _tree.Items("failed").Select(i => Path.GetFileName(i.GetProperty("source").GetString()!)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["broken.btf", "sc\uFFFDn.btf"], failed);
        Assert.Equal(2, Lines(first, "WRN").Length); // the dangling link and the note that is not UTF-8
        Assert.False(File.Exists(orphan));

        var second = await _tree.RunAsync();

        Assert.True(second.ExitCode == ExitCodes.PartialFailure, second.Output);
        Assert.Empty(_tree.Items("converted"));
        Assert.Equal(4, _tree.Items("skipped").Count);
        Assert.Equal(2, _tree.Items("failed").Count);
        Assert.Equal(4, _tree.DestinationFiles().Length);
    }
}
