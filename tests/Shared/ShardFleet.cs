using System.Text.Json;

namespace BtfConvert.Tests.Shared;

/// <summary>
/// N <c>btfconvert batch --shard I/N</c> workers as separate processes started at once, as a scheduler starts
/// them, each with its own report. Linked into the Cli and Aws test projects (tests/Shared).
/// </summary>
public sealed class ShardFleet(string reportDirectory, int count, params string[] batchArgs)
{
    public int Count => count;

    public string Report(int shard) => Path.Combine(reportDirectory, $"report-{shard}-of-{count}.jsonl");

    public string[] Args(int shard, params string[] extra) =>
        ["batch", .. batchArgs, "--shard", $"{shard}/{count}", "--report", Report(shard), .. extra];

    /// <summary>Starts every shard at once, waits for all, and asserts that each exited 0.</summary>
    public async Task RunAllAtOnceAsync(params string[] extra)
    {
        var started = Enumerable.Range(0, count).Select(i =>
        {
            var process = CliRunner.Start(Args(i, extra));
            return (process, stdout: process.StandardOutput.ReadToEndAsync(), stderr: process.StandardError.ReadToEndAsync());
        }).ToList();
        var results = new List<CliRunner.Result>();
        foreach (var (process, stdout, stderr) in started)
        {
            using (process)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
                await process.WaitForExitAsync(timeout.Token);
                results.Add(new CliRunner.Result(process.ExitCode, await stdout, await stderr));
            }
        }

        Assert.True(results.All(r => r.ExitCode == 0),
            string.Join("\n", results.Select((r, i) => $"shard {i}: exit {r.ExitCode}\n{r.StdErr}")));
    }

    /// <summary>Runs the fleet again: every one of <paramref name="inputs"/> is skipped, none converted.</summary>
    public async Task RerunConvertsNothingAsync(int inputs)
    {
        await RunAllAtOnceAsync();
        Assert.Empty(Items("converted"));
        Assert.Equal(inputs, Items("skipped").Count);
    }

    /// <summary>
    /// Starts one shard and SIGKILLs it right after its first output is published (a node lost mid-way): the shard
    /// pauses there (test-only hook) until the kill, so the kill never races the rest of its work.
    /// </summary>
    public async Task KillAfterFirstOutputAsync(int shard, params string[] extra)
    {
        using var paused = CliRunner.StartPausedAt("batch-output-published", Args(shard, extra));
        await paused.ReachedAsync();
        await paused.SignalAndWaitAsync("KILL");
        Assert.Equal(137, paused.Process.ExitCode);
    }

    /// <summary>The report's per-input lines with a status (item lines), from every shard.</summary>
    public List<JsonElement> Items(string? status = null) =>
        Enumerable.Range(0, count).SelectMany(i => Lines(i)).Where(l => l.GetProperty("type").GetString() == "item"
            && (status is null || l.GetProperty("status").GetString() == status)).ToList();

    public List<JsonElement> Lines(int shard) => File.Exists(Report(shard))
        ? File.ReadAllText(Report(shard)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList()
        : [];

    /// <summary>Sources converted across the fleet, sorted; a source converted twice appears twice.</summary>
    public string[] ConvertedSources() =>
        Items("converted").Select(l => l.GetProperty("source").GetString()!).Order(StringComparer.Ordinal).ToArray();

}
