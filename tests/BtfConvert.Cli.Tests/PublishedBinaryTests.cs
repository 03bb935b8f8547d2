using System.Runtime.InteropServices;
using BtfConvert.Core.Encoding;
using BtfConvert.Samples;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// The self-contained binary of scripts/publish.sh runs where no .NET is installed: no environment at all, the
/// machine's .NET hidden, and it writes the same file as the framework-dependent build. CI publishes it first
/// (.ci/run); there a missing binary fails the test instead of skipping it.
/// </summary>
public sealed class PublishedBinaryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    [SkippableFact]
    public async Task The_x64_binary_converts_the_sample_with_no_environment_and_no_dotnet()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64, "the linux-x64 binary runs on linux-x64");
        string binary = Path.Combine(Repository.Root, "dist", "btfconvert-linux-x64");
        if (!File.Exists(binary))
        {
            Assert.False(InCi, $"{binary} is missing: CI must run scripts/publish.sh x64 before the tests (.ci/run)");
            Skip.If(true, $"{binary} not built (scripts/publish.sh x64)");
        }

        string input = _dir.File("sample.btf");
        BtfSampleWriter.Write(input, new SampleSpec { Width = 1500, Height = 1100, Seed = 7 });
        Directory.CreateDirectory(_dir.File("framework"));
        Directory.CreateDirectory(_dir.File("published"));
        string expected = Path.Combine(_dir.File("framework"), "sample.tiff"), actual = Path.Combine(_dir.File("published"), "sample.tiff");
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("convert", input, expected)).ExitCode);

        var version = RunWithoutDotnet(binary, "--version");
        Assert.True(version.ExitCode == 0, version.Output);
        // The system libturbojpeg is still found from inside the single file (the same encoder as this process).
        Assert.Contains(TileEncoderFactories.JpegEncoderDescription, version.StdOut, StringComparison.Ordinal);

        var r = RunWithoutDotnet(binary, "convert", input, actual);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        // Byte-identical but for the record's conversion time (the two runs are seconds apart).
        Assert.Equal(RecordedTime.MaskedFile(expected), RecordedTime.MaskedFile(actual));
    }

    /// <summary>
    /// A system user (Debian's <c>nobody</c>, home <c>/nonexistent</c>, like one made by <c>adduser --system</c> for
    /// the documented <c>User=btfconvert</c> unit) runs the binary with HOME=/nonexistent and with no HOME at all: a
    /// single file that had to unpack a native library first needed a writable HOME and exited 159.
    /// </summary>
    [SkippableFact]
    public void The_x64_binary_converts_for_a_system_user_without_a_writable_home()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64, "the linux-x64 binary runs on linux-x64");
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/usr/bin/setpriv"), "needs root to run as another user (setpriv)");
        string binary = Path.Combine(Repository.Root, "dist", "btfconvert-linux-x64");
        if (!File.Exists(binary))
        {
            Assert.False(InCi, $"{binary} is missing: CI must run scripts/publish.sh x64 before the tests (.ci/run)");
            Skip.If(true, $"{binary} not built (scripts/publish.sh x64)");
        }

        Assert.Equal(0, CliRunner.RunProgram("chmod", "777", _dir.Path).ExitCode);
        string input = _dir.File("sample.btf");
        BtfSampleWriter.Write(input, new SampleSpec { Width = 600, Height = 400, Seed = 3 });
        foreach (var (name, home) in new[] { ("home-nonexistent", new[] { "HOME=/nonexistent" }), ("no-home", Array.Empty<string>()) })
        {
            string output = _dir.File($"{name}.tiff");
            string[] command = ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "-i", .. home, "PATH=/usr/bin:/bin", binary, "convert", input, output];
            var r = CliRunner.RunProgram("/usr/bin/setpriv", command);
            Skip.If(r.ExitCode == 126, $"nobody may not run {binary} (a parent folder is not searchable): {r.StdErr}");
            Assert.True(r.ExitCode == ExitCodes.Success, $"{name}: exit {r.ExitCode}: {r.Output}");
            Assert.DoesNotContain("DOTNET_BUNDLE_EXTRACT_BASE_DIR", r.Output, StringComparison.Ordinal);
            Assert.Equal(ExitCodes.Success, CliRunner.RunProgram("tiffinfo", output).ExitCode);
        }
    }

    /// <summary>
    /// <c>env -i DOTNET_ROOT=/nonexistent</c>; where a private mount namespace may be made (root), the installed
    /// .NET directory is also covered by an empty tmpfs, so nothing of it can be found by any path.
    /// </summary>
    private static CliRunner.Result RunWithoutDotnet(string binary, params string[] args)
    {
        string[] command = ["env", "-i", "DOTNET_ROOT=/nonexistent", binary, .. args];
        string? dotnetHome = InstalledDotnetDirectory();
        if (dotnetHome is not null && CliRunner.RunProgram("unshare", "-m", "true").ExitCode == 0)
        {
            string script = "mount -t tmpfs none \"$1\" && shift && exec \"$@\"";
            var hidden = CliRunner.RunProgram("unshare", ["-m", "sh", "-c", script, "sh", dotnetHome, .. command]);
            Assert.DoesNotContain("mount:", hidden.StdErr, StringComparison.Ordinal);
            return hidden;
        }

        return CliRunner.RunProgram(command[0], command[1..]);
    }

    private static string? InstalledDotnetDirectory()
    {
        string? onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists);
        return onPath is null ? null : Path.GetDirectoryName(new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath);
    }
}
