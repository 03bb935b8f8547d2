using System.Runtime.InteropServices;

namespace BtfConvert.Cli.Tests.Robustness;

/// <summary>
/// Start-up under limits the runtime cannot work with (a hard open-files limit of a few dozen, an address-space
/// limit of 2 GiB): one line naming the limit and what to do, exit 4, never a SIGABRT with a trace nor "bad input".
/// Run with the published binary (what a systemd unit starts), under prlimit(1).
/// </summary>
public sealed class StartupLimitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string PublishedBinary()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64, "the linux-x64 binary runs on linux-x64");
        string binary = Path.Combine(Repository.Root, "dist", "btfconvert-linux-x64");
        bool inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        Assert.False(inCi && !File.Exists(binary), $"{binary} is missing: CI must run scripts/publish.sh x64 before the tests (.ci/run)");
        Skip.IfNot(File.Exists(binary), $"{binary} not built (scripts/publish.sh x64)");
        return binary;
    }

    [SkippableTheory]
    [InlineData(24)]
    [InlineData(48)]
    [InlineData(96)]
    public void A_tight_open_files_limit_is_one_line_naming_it_and_exit_4(int files)
    {
        string binary = PublishedBinary();
        string input = _dir.File("in.btf");
        BtfConvert.Samples.BtfSampleWriter.Write(input, new BtfConvert.Samples.SampleSpec { Width = 300, Height = 200 });
        var r = CliRunner.RunProgram("prlimit", $"--nofile={files}:{files}", binary, "convert", input, _dir.File("out.tiff"));
        Assert.True(r.ExitCode == ExitCodes.IoError, $"exit {r.ExitCode}: {r.Output}");
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"the open-files limit is {files}", line, StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=", line, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("out.tiff")));
    }

    [SkippableFact]
    public void An_address_space_limit_of_2_GiB_is_one_line_pointing_at_MemoryMax_and_exit_4()
    {
        string binary = PublishedBinary();
        var r = CliRunner.RunProgram("prlimit", $"--as={2L << 30}", binary, "info", _dir.File("none.btf"));
        Assert.True(r.ExitCode == ExitCodes.IoError, $"exit {r.ExitCode}: {r.Output}");
        string line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("the virtual memory limit is 2048 MiB", line, StringComparison.Ordinal);
        Assert.Contains("MemoryMax=", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_assembly_the_runtime_could_not_open_is_an_environment_problem_not_bad_input()
    {
        var e = new FileNotFoundException("Could not load file or assembly 'Serilog, Version=4.4.0.0, Culture=neutral, PublicKeyToken=24c2f752a8e58a10'.",
            "Serilog, Version=4.4.0.0, Culture=neutral, PublicKeyToken=24c2f752a8e58a10");
        Assert.Equal(ExitCodes.IoError, ErrorReporter.ExitCodeFor(e, cancelled: false));
        Assert.StartsWith("btfconvert could not load its own component Serilog (the open-files limit is", ErrorReporter.MessageFor(e, cancelled: false), StringComparison.Ordinal);
        // A missing input is still bad input.
        Assert.Equal(ExitCodes.BadInput, ErrorReporter.ExitCodeFor(new FileNotFoundException("in.btf: no such file", "/data/in.btf"), cancelled: false));
    }
}
