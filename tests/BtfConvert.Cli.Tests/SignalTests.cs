using System.Diagnostics;
using BtfConvert.Samples;

namespace BtfConvert.Cli.Tests;

/// <summary>Ctrl-C and SIGTERM (what cron, systemd and `timeout` send) stop a conversion and leave nothing behind.</summary>
public sealed class SignalTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_mid_conversion_exits_130_and_leaves_no_output_or_temporary(string signal)
    {
        string input = _dir.File("big.btf"), output = _dir.File("big.tiff");
        // Big and slow enough (one deflate thread) that the signal always lands mid-conversion.
        BtfSampleWriter.Write(input, new SampleSpec { Width = 8000, Height = 8000, Olympus = false });
        using var process = CliRunner.Start(input, output, "--compression", "deflate", "--threads", "1");
        var stderr = new System.Text.StringBuilder();
        var started = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Converting", StringComparison.Ordinal) == true)
            {
                started.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        await started.Task.WaitAsync(TimeSpan.FromMinutes(1));
        // Let it write some tiles so the temporary exists and holds data.
        await Task.Delay(300);
        using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        string log;
        lock (stderr)
        {
            log = stderr.ToString();
        }

        Assert.True(process.ExitCode == ExitCodes.Cancelled, $"exit {process.ExitCode}: {log}");
        Assert.Contains("cancelled; no output was left behind", log, StringComparison.Ordinal);
        Assert.Equal(["big.btf"], _dir.Files());
    }
}
