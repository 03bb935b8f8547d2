using System.Text.Json;
using BtfConvert.Samples;

namespace BtfConvert.Cli.Tests;

/// <summary>A source tree of small generated slides, a destination and a lock directory for batch tests.</summary>
public sealed class BatchTree : IDisposable
{
    private readonly TempDirectory _dir = new();

    public BatchTree()
    {
        Directory.CreateDirectory(Source);
        Directory.CreateDirectory(LockDir);
    }

    public string Source => System.IO.Path.Combine(_dir.Path, "in");
    public string Destination => System.IO.Path.Combine(_dir.Path, "out");
    public string LockDir => System.IO.Path.Combine(_dir.Path, "locks");
    public string Report => System.IO.Path.Combine(_dir.Path, "report.jsonl");
    public string Root => _dir.Path;

    public string Slide(string relative, int seed, int width = 300, int height = 200)
    {
        string path = System.IO.Path.Combine(Source, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        BtfSampleWriter.Write(path, new SampleSpec { Width = width, Height = height, Seed = seed, RowsPerStrip = 32 });
        return path;
    }

    public string Junk(string relative, string content = "this is not a TIFF at all")
    {
        string path = System.IO.Path.Combine(Source, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string Output(string relative) => System.IO.Path.Combine(Destination, relative);

    /// <summary>Every file below the destination (hidden sidecars and temporaries included), relative, sorted.</summary>
    public string[] DestinationFiles() => Directory.Exists(Destination)
        ? Directory.GetFiles(Destination, "*", SearchOption.AllDirectories)
            .Select(f => System.IO.Path.GetRelativePath(Destination, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToArray()
        : [];

    /// <summary>Runs a batch from Source to Destination with a private lock directory and a report file.</summary>
    public Task<CliRunner.Result> RunAsync(params string[] extra) =>
        CliRunner.RunAsync(["batch", Source, Destination, "--lock-dir", LockDir, "--report", Report, "--compression", "deflate", .. extra]);

    public string[] Args(params string[] extra) =>
        ["batch", Source, Destination, "--lock-dir", LockDir, "--report", Report, "--compression", "deflate", .. extra];

    /// <summary>The report's lines, parsed (every line must be one JSON object).</summary>
    public List<JsonElement> ReportLines() => ParseLines(File.ReadAllText(Report));

    public static List<JsonElement> ParseLines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    public List<JsonElement> Items(string? status = null) =>
        ReportLines().Where(l => l.GetProperty("type").GetString() == "item" && (status is null || l.GetProperty("status").GetString() == status)).ToList();

    public JsonElement Summary() => ReportLines().Single(l => l.GetProperty("type").GetString() == "summary");

    public void Dispose() => _dir.Dispose();
}
