using BtfConvert.Core;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BtfConvert.Core.Batch;

namespace BtfConvert.Cli;

/// <summary>
/// The batch report: JSON lines, one object per input as it finishes (<c>"type":"item"</c>), then one
/// <c>"type":"summary"</c>; with --dry-run one <c>"type":"plan"</c> per input instead. Each line is flushed
/// when written, so a report of a killed run still holds every input finished before the kill.
/// Fields are documented in docs/operations.md.
/// </summary>
public sealed class BatchReportWriter : IDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly Lock _lock = new();
    private readonly ShardSpec _shard;

    private BatchReportWriter(TextWriter writer, bool ownsWriter, ShardSpec shard)
    {
        _writer = writer;
        _ownsWriter = ownsWriter;
        _shard = shard;
    }

    /// <summary>
    /// Null for no report, "-" for stdout, otherwise a file (replaced). Every line names its shard ("I/N"; "0/1"
    /// unsharded), so the reports of a fleet can be concatenated.
    /// </summary>
    public static BatchReportWriter? Open(string? path, ShardSpec? shard = null)
    {
        shard ??= ShardSpec.Whole;
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        if (path == "-")
        {
            return new BatchReportWriter(Console.Out, ownsWriter: false, shard);
        }

        try
        {
            return new BatchReportWriter(new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false)), ownsWriter: true, shard);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot write the report: {e.Message}", e);
        }
    }

    public void WritePlan(BatchItem item) => Write(new PlanLine(item.Action, _shard.NameOf(item.RelativePath), item.Source.Location,
        item.Destination, item.Reason, item.Source.Length, item.ExistingOutput?.Length));

    public void WriteItem(BatchItemResult r)
    {
        double seconds = Math.Round(r.Elapsed.TotalSeconds, 3);
        Write(new ItemLine(r.Status, _shard.NameOf(r.Item.RelativePath), r.Item.Source.Location, r.Item.Destination, r.Item.Reason,
            r.Error is null ? null : ErrorMessage(r.Error),
            r.Error is null ? null : ErrorKind(r.Error),
            r.SourceBytes, r.OutputBytes, seconds, Math.Round(r.BytesPerSecond / 1e6, 2), Timestamp()));
    }

    public void WriteSummary(BatchSummary s, int exitCode, bool dryRun) => Write(new SummaryLine(_shard.ToString(), s.Inputs, s.Converted, s.Skipped, s.Failed,
        s.NotAttempted, s.SourceBytes, s.OutputBytes, Math.Round(s.Elapsed.TotalSeconds, 3), Math.Round(s.BytesPerSecond / 1e6, 2), exitCode, dryRun, Timestamp(),
        _shard.IndexSource));

    /// <summary>The one-line message for a failed input (the plan's own reason, or the error's).</summary>
    public static string ErrorMessage(Exception e) => e is BatchPlanException ? e.Message : ErrorReporter.MessageFor(e, cancelled: false);

    /// <summary>A word for scripts: bad-input, io, output-exists, planning (caught before converting) or internal.</summary>
    public static string ErrorKind(Exception e) => e is BatchPlanException ? "planning" : ErrorReporter.ExitCodeFor(e, cancelled: false) switch
    {
        ExitCodes.BadInput => "bad-input",
        ExitCodes.IoError => "io",
        ExitCodes.OutputExists => "output-exists",
        ExitCodes.UsageError => "usage",
        _ => "internal",
    };

    private static string Timestamp() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private void Write<T>(T line)
    {
        string json = JsonSerializer.Serialize(line, JsonOptions);
        lock (_lock)
        {
            _writer.WriteLine(json);
            _writer.Flush();
        }
    }

    public void Dispose()
    {
        if (_ownsWriter)
        {
            _writer.Dispose();
        }
    }

    private sealed record PlanLine(BatchAction Action, string Shard, string Source, string Destination, string Reason, long SourceBytes, long? OutputBytes)
    {
        [JsonPropertyOrder(-1)]
        public string Type => "plan";
    }

    private sealed record ItemLine(BatchStatus Status, string Shard, string Source, string Destination, string Reason, string? Error, string? ErrorKind,
        long SourceBytes, long OutputBytes, double Seconds, double MegabytesPerSecond, string Time)
    {
        [JsonPropertyOrder(-1)]
        public string Type => "item";
    }

    private sealed record SummaryLine(string Shard, int Inputs, int Converted, int Skipped, int Failed, int NotAttempted, long SourceBytes,
        long OutputBytes, double Seconds, double MegabytesPerSecond, int ExitCode, bool DryRun, string Time, string? ShardIndexFrom)
    {
        [JsonPropertyOrder(-1)]
        public string Type => "summary";
    }
}
