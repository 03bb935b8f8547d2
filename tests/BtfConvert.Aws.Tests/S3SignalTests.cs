using System.Diagnostics;
using BtfConvert.Aws.Tests.Support;
using BtfConvert.Cli;

namespace BtfConvert.Aws.Tests;

[Collection(S3Collection.Name)]
public sealed class S3SignalTests(S3ServerFixture server) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task Sigterm_during_a_multipart_upload_exits_130_and_leaves_no_object()
    {
        server.Require();
        Skip.If(OperatingSystem.IsWindows(), "POSIX signals");
        string input = Input();
        await using var proxy = new TcpFaultProxy(server.Port);
        // Every part upload reaches the server but its answer is held back: the upload is in flight for as long
        // as we like, and the converter blocks on back-pressure until the signal comes.
        proxy.Arm("PUT", FaultKind.Stall, int.MaxValue);
        string key = server.NewKey("out.tiff");
        using var process = StartThroughProxy(input, key, proxy);
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (proxy.FaultsInjected == 0 && !process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
        }

        Assert.True(proxy.FaultsInjected > 0, "no part upload was started: " + (process.HasExited ? await stderr : "still running"));
        await CliRunner.SignalAsync(process, "TERM");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(ExitCodes.Cancelled, process.ExitCode);
        Assert.Contains("cancelled", await stderr, StringComparison.Ordinal);
        proxy.Disarm();
        Assert.False(await server.ExistsAsync(key));
    }

    [SkippableFact]
    public async Task Sigterm_while_the_upload_is_being_completed_finishes_publishing_and_says_so()
    {
        server.Require();
        Skip.If(OperatingSystem.IsWindows(), "POSIX signals");
        string input = Input();
        await using var proxy = new TcpFaultProxy(server.Port);
        proxy.Arm("PUT", FaultKind.Stall, 0); // count part uploads, fault none
        string key = server.NewKey("out.tiff");
        using var process = StartThroughProxy(input, key, proxy);
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (proxy.Requests == 0 && !process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20);
        }

        // Parts are going up, so the upload was initiated: the next POST is CompleteMultipartUpload. The server
        // completes it; only its answer is held back, as when a connection dies at the worst moment.
        proxy.Arm("POST", FaultKind.Stall, 1);
        while (proxy.FaultsInjected == 0 && !process.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(20);
        }

        Assert.True(proxy.FaultsInjected == 1, "CompleteMultipartUpload was not held: " + (process.HasExited ? await stderr : "still running"));
        await CliRunner.SignalAsync(process, "TERM");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        // The object was published, so the run says it succeeded; it must not claim "nothing was left behind".
        string log = await stderr;
        Assert.True(process.ExitCode == ExitCodes.Success, $"exit {process.ExitCode}: {log}");
        Assert.DoesNotContain("no output was left behind", log, StringComparison.Ordinal);
        proxy.Disarm();
        Assert.True(await server.ExistsAsync(key));
    }

    /// <summary>3000×2000 uncompressed: about 18 MB of output, so parts 2.. go up while the converter still runs.</summary>
    private string Input()
    {
        string input = _dir.File("in.btf");
        File.WriteAllBytes(input, SampleInputs.Btf(3000, 2000));
        return input;
    }

    private Process StartThroughProxy(string input, string key, TcpFaultProxy proxy) =>
        CliRunner.Start("convert", input, server.Uri(key), "--compression", "none", "--quiet",
            "--endpoint-url", proxy.Endpoint, "--path-style");
}
