using System.Diagnostics;
using BtfConvert.Core.Batch;
using BtfConvert.Core.IO;
using BtfConvert.Samples;
using BtfConvert.Samples.Malformed;

namespace BtfConvert.Cli.Tests.Robustness;

/// <summary>
/// Inputs that are not regular files (FIFO, socket, device, directory, a link to itself) are refused up front with
/// one line naming what they are, by convert, info and batch; a process blocked in a system call still ends on
/// SIGTERM (exit 130, lock released); Orientation is never silently ignored.
/// </summary>
public sealed class NonRegularInputTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly BatchTree _tree = new();

    public void Dispose()
    {
        _dir.Dispose();
        _tree.Dispose();
    }

    private string Fifo(string path)
    {
        Assert.Equal(0, CliRunner.RunProgram("mkfifo", path).ExitCode);
        return path;
    }

    private static void AssertOneError(CliRunner.Result r, int exitCode, string fragment)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}: {r.Output}");
        var line = Assert.Single(r.StdErr.Split('\n'), l => l.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Contains(fragment, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Convert_and_info_refuse_a_FIFO_a_device_and_a_directory_naming_what_they_are()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo, /dev");
        string fifo = Fifo(_dir.File("x.btf")), directory = _dir.File("d.btf"), output = _dir.File("out.tiff");
        Directory.CreateDirectory(directory);
        foreach (var (input, kind) in new[] { (fifo, "is a FIFO (named pipe)"), ("/dev/zero", "is a character device"), (directory, "is a directory") })
        {
            // In-process, so a hang would hang the test run: each call gets a deadline.
            var convert = await CliRunner.RunAsync("convert", input, output).WaitAsync(TimeSpan.FromSeconds(30));
            AssertOneError(convert, ExitCodes.BadInput, $"{input}: {kind}");
            var info = await CliRunner.RunAsync("info", input).WaitAsync(TimeSpan.FromSeconds(30));
            AssertOneError(info, ExitCodes.BadInput, $"{input}: {kind}");
        }

        Assert.False(File.Exists(output));
    }

    [SkippableFact]
    public async Task Batch_reports_a_FIFO_and_a_self_referencing_link_as_input_problems_and_converts_the_rest()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo");
        _tree.Slide("a.btf", 1);
        string fifo = Fifo(Path.Combine(_tree.Source, "x.btf"));
        string loop = Path.Combine(_tree.Source, "loop.btf");
        File.CreateSymbolicLink(loop, loop);
        _tree.Slide("z.btf", 2);

        var r = await _tree.RunAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == ExitCodes.PartialFailure, r.Output);
        Assert.True(File.Exists(_tree.Output("a.tiff")) && File.Exists(_tree.Output("z.tiff")));
        var failed = _tree.Items("failed");
        Assert.Equal(2, failed.Count);
        Assert.StartsWith($"{fifo}: is a FIFO", failed.Single(f => f.GetProperty("source").GetString() == fifo).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"{loop}: is a symbolic link loop", failed.Single(f => f.GetProperty("source").GetString() == loop).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.All(r.StdErr.Split('\n').Where(l => l.Contains(" ERR ", StringComparison.Ordinal)),
            l => Assert.True(l.Contains($"{fifo}: ", StringComparison.Ordinal) || l.Contains($"{loop}: ", StringComparison.Ordinal) || l.Contains("failed", StringComparison.Ordinal), l));
    }

    [SkippableFact]
    public async Task Sigterm_ends_a_batch_blocked_in_open_of_a_FIFO_and_releases_the_lock()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo, signals");
        _tree.Slide("a.btf", 1);
        // A report path that is a FIFO with no reader: open() blocks in the kernel, after the lock is taken.
        string report = Fifo(_dir.File("report.jsonl"));
        using var process = CliRunner.Start("batch", _tree.Source, _tree.Destination, "--lock-dir", _tree.LockDir, "--report", report);
        var stderr = process.StandardError.ReadToEndAsync();
        // The report is opened right after the lock is taken: once the lock file names this process, the signal
        // lands in (or just before) that open(), never before the handlers are set up. cat reads without flock.
        string lockFile = BatchLock.PathFor(BatchLocations.NormalizeRoot(_tree.Destination), _tree.LockDir);
        while (!(File.Exists(lockFile) && CliRunner.RunProgram("cat", lockFile).StdOut.StartsWith($"pid {process.Id} ", StringComparison.Ordinal)))
        {
            Assert.False(process.HasExited, await StderrIfExited(process, stderr));
            await Task.Delay(20);
        }

        var clock = Stopwatch.StartNew();
        await CliRunner.SignalAsync(process, "TERM");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == ExitCodes.Cancelled, $"exit {process.ExitCode} after {clock.Elapsed}: {await stderr}");
        Assert.Contains("still blocked", await stderr, StringComparison.Ordinal);

        // The lock went with the process: the next run is not refused with exit 7.
        var r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
    }

    private static async Task<string> StderrIfExited(Process process, Task<string> stderr) =>
        process.HasExited ? $"exited {process.ExitCode}: {await stderr}" : string.Empty;

    [Fact]
    public async Task Orientation_6_is_refused_with_the_option_named_and_converts_as_stored_with_it()
    {
        string input = _dir.File("sideways.btf"), output = _dir.File("sideways.tiff");
        var p = new TiffPatcher(MalformedCorpus.Base(bigTiff: true, littleEndian: true));
        p.SetValue(p.Entry(p.Ifd(0), 274), 6);
        File.WriteAllBytes(input, p.ToArray());

        var refused = await CliRunner.RunAsync("convert", input, output);
        AssertOneError(refused, ExitCodes.BadInput, $"{input}: orientation 6 (right-top");
        Assert.Contains("--ignore-orientation", refused.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        var info = await CliRunner.RunAsync("info", input);
        Assert.Contains("Orientation: 6 (right-top", info.StdOut, StringComparison.Ordinal);

        var stored = await CliRunner.RunAsync("convert", input, output, "--ignore-orientation");
        Assert.True(stored.ExitCode == ExitCodes.Success, stored.Output);
        Assert.Contains("orientation 6 (right-top: rotated 90° clockwise to view) ignored (--ignore-orientation)", stored.StdErr, StringComparison.Ordinal);
    }
}
