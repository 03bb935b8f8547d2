using BtfConvert.Core;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BtfConvert.Core.Batch;
using Serilog;

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

    private readonly string _name;
    private readonly Lock _lock = new();
    private readonly ShardSpec _shard;
    private Stream? _stream;

    private BatchReportWriter(string name, Stream? stream, ShardSpec shard)
    {
        _name = name;
        _stream = stream;
        _shard = shard;
    }

    /// <summary>
    /// The report could not be opened or a line of it could not be written (one error line said so); the batch
    /// went on converting and exits with <see cref="ExitCodes.IoError"/> when nothing else failed.
    /// </summary>
    public bool Failed { get; private set; }

    /// <summary>
    /// Null for no report, "-" for stdout, otherwise a file (replaced; its folder is created). Every line names its
    /// shard ("I/N"; "0/1" unsharded), so the reports of a fleet can be concatenated. A report that cannot be
    /// opened is logged and <see cref="Failed"/>: an unwritable report never stops the conversions.
    /// </summary>
    public static BatchReportWriter? Open(string? path, ShardSpec? shard = null)
    {
        shard ??= ShardSpec.Whole;
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var writer = new BatchReportWriter(path == "-" ? "the report on standard output" : $"the report {path}", null, shard);
        try
        {
            if (path == "-")
            {
                // Console.Out, not the raw descriptor: what the process's console writer is (tests capture it).
                writer._stream = new ConsoleOutStream(Console.Out);
                return writer;
            }

            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            // bufferSize 0: each line is one write(2), so a full disk is seen on the line that did not fit and
            // nothing is left in a buffer to fail again when the file is closed.
            writer._stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            writer.Fail(e);
        }

        return writer;
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
        _shard.IndexSource, s.UnreadableFolders));

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
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(line, JsonOptions);
        lock (_lock)
        {
            if (_stream is null)
            {
                return;
            }

            try
            {
                _stream.Write([.. json, (byte)'\n']);
                _stream.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                Fail(e);
            }
        }
    }

    /// <summary>One error line naming the report; it gets no more lines, the batch goes on.</summary>
    private void Fail(Exception e)
    {
        Failed = true;
        var stream = _stream;
        _stream = null;
        Close(stream);
        Log.Error("{Report} cannot be written ({Problem}); the batch goes on without it and exits {Code} if nothing else fails",
            _name, e.Message, ExitCodes.IoError);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Close(_stream);
            _stream = null;
        }
    }

    private static void Close(Stream? stream)
    {
        try
        {
            stream?.Dispose();
        }
        catch (IOException)
        {
            // Nothing is buffered (every line was flushed or failed).
        }
    }

    /// <summary>A report line's bytes to <see cref="Console.Out"/> (UTF-8 text, as every line is).</summary>
    private sealed class ConsoleOutStream(TextWriter writer) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => writer.Write(System.Text.Encoding.UTF8.GetString(buffer, offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => writer.Write(System.Text.Encoding.UTF8.GetString(buffer));

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
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
        long OutputBytes, double Seconds, double MegabytesPerSecond, int ExitCode, bool DryRun, string Time, string? ShardIndexFrom,
        int UnreadableFolders)
    {
        [JsonPropertyOrder(-1)]
        public string Type => "summary";
    }
}
