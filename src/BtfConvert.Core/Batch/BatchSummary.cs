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
    /// <summary>Folders below the source that could not be read: their files were not considered (each was a warning).</summary>
    public int UnreadableFolders { get; init; }

    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? SourceBytes / Elapsed.TotalSeconds : 0;
}
