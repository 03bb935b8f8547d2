using System.Diagnostics;
using BtfConvert.Core.IO;
using BtfConvert.Samples;

namespace BtfConvert.Cli.Tests.Robustness;

/// <summary>
/// Real destination failures through the real program: a full file system (a small tmpfs), a directory the user
/// may not write (the program run as nobody — we run as root, for whom chmod denies nothing), and a SIGKILL in the
/// middle of a conversion.
/// </summary>
public sealed class ProcessFailureTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Sample(int width, int height, string name = "in.btf")
    {
        string path = _dir.File(name);
        BtfSampleWriter.Write(path, new SampleSpec { Width = width, Height = height, Seed = 4 });
        return path;
    }

    private static bool IsRoot => Environment.UserName == "root";

    [SkippableFact]
    public async Task Disk_full_gives_an_IO_error_naming_the_output_and_leaves_nothing()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && IsRoot, "needs root to mount a tmpfs");
        string mount = _dir.File("small-fs");
        Directory.CreateDirectory(mount);
        Skip.If(CliRunner.RunProgram("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount).ExitCode != 0, "mount -t tmpfs is not permitted here");
        try
        {
            string input = Sample(600, 420), output = Path.Combine(mount, "out.tiff");
            var r = await CliRunner.RunAsync("convert", input, output, "-c", "none");
            Assert.True(r.ExitCode == ExitCodes.IoError, r.StdErr);
            var line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(" ERR ", StringComparison.Ordinal));
            Assert.Contains($"{output}: ", line, StringComparison.Ordinal);
            Assert.Contains("No space left on device", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(mount));
        }
        finally
        {
            CliRunner.RunProgram("umount", mount);
        }
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Permission_denied_gives_an_IO_error_and_leaves_nothing()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && IsRoot && File.Exists("/usr/bin/setpriv"), "needs root and setpriv to run as nobody");
        string input = Sample(300, 200);
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(input, (UnixFileMode)0b110_100_100);
        string locked = _dir.File("locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, (UnixFileMode)0b111_101_101); // root-owned 0755: nobody may not create files
        var info = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", CliRunner.CliDll, "convert", input, Path.Combine(locked, "out.tiff") })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_CLI_HOME"] = "/tmp";
        info.Environment["HOME"] = "/tmp";
        using var p = Process.Start(info)!;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Skip.If(stderr.Contains("dotnet", StringComparison.Ordinal) && p.ExitCode is 126 or 127, "dotnet not runnable as nobody");
        Assert.True(p.ExitCode == ExitCodes.IoError, $"exit {p.ExitCode}: {stderr}");
        Assert.Contains("permission denied", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Path.Combine(locked, "out.tiff"), stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(locked));
    }

    /// <summary>
    /// Starts a conversion that pauses (test-only hook) once a quarter of its input is converted (its temporary open,
    /// tiles written to it), and returns when it waits there: the signal that follows always lands mid-conversion.
    /// </summary>
    private static async Task<CliRunner.Paused> StartAndWaitForBodyAsync(string input, string output)
    {
        var child = CliRunner.StartPausedAt("conversion-body", "convert", input, output, "--threads", "1", "-c", "jpeg", "-q");
        await child.ReachedAsync();
        Assert.Single(new DirectoryInfo(Path.GetDirectoryName(output)!).GetFiles($"{LocalFileSink.TempPrefix}*"));
        return child;
    }

    [SkippableTheory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task SIGINT_or_SIGTERM_mid_conversion_exits_130_and_removes_the_temporary(string signal)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "POSIX signals");
        string input = Sample(1536, 1024), outDir = _dir.File("out");
        Directory.CreateDirectory(outDir);
        string output = Path.Combine(outDir, "slide.tiff");
        using var child = await StartAndWaitForBodyAsync(input, output);
        await child.SignalAndWaitAsync(signal);
        Assert.True(child.Process.ExitCode == ExitCodes.Cancelled, $"exit {child.Process.ExitCode}: {child.StdErr}");
        Assert.Contains("cancelled; no output was left behind", child.StdErr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
    }

    [SkippableFact]
    public async Task SIGKILL_mid_conversion_leaves_only_a_temporary_which_the_next_run_removes()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "POSIX signals");
        string input = Sample(1536, 1024), outDir = _dir.File("out");
        Directory.CreateDirectory(outDir);
        string output = Path.Combine(outDir, "slide.tiff");
        using (var child = await StartAndWaitForBodyAsync(input, output))
        {
            await child.SignalAndWaitAsync("KILL"); // no handler runs, nothing is cleaned up
            Assert.Equal(137, child.Process.ExitCode); // 128 + SIGKILL
        }

        var left = Directory.GetFiles(outDir).Select(Path.GetFileName).ToList();
        Assert.False(File.Exists(output), "a file at the final name after SIGKILL");
        var stale = Assert.Single(left);
        Assert.StartsWith($"{LocalFileSink.TempPrefix}slide.tiff.", stale, StringComparison.Ordinal);

        // The next run for the same output removes the dead run's temporary and converts.
        var r = await CliRunner.RunAsync("convert", input, output, "-c", "none", "-q");
        Assert.True(r.ExitCode == ExitCodes.Success, r.StdErr);
        Assert.Equal(["slide.tiff"], Directory.GetFiles(outDir).Select(Path.GetFileName));
    }
}
