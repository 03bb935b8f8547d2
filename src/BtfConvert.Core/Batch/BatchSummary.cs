namespace BtfConvert.Core.Batch;

/// <summary>Totals of a batch run (the last line of the report).</summary>
/// <param name="NotAttempted">Planned inputs never finished because --fail-fast stopped the run.</param>
public sealed record BatchSummary(
    int Inputs,
    int Converted,
    int Skipped,
    int Failed,
    int NotAttempted,
    long SourceBytes,
    long OutputBytes,
    TimeSpan Elapsed)
{
    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? SourceBytes / Elapsed.TotalSeconds : 0;
}
