namespace BtfConvert.Core.Batch;

/// <summary>The outcome of one input (one line of the report).</summary>
public sealed record BatchItemResult(
    BatchItem Item,
    BatchStatus Status,
    Exception? Error,
    long SourceBytes,
    long OutputBytes,
    TimeSpan Elapsed)
{
    /// <summary>Source bytes per second of wall time (0 when nothing was converted).</summary>
    public double BytesPerSecond => Status == BatchStatus.Converted && Elapsed > TimeSpan.Zero ? SourceBytes / Elapsed.TotalSeconds : 0;
}
