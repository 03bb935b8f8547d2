using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Conversion;

/// <summary>What a finished conversion produced.</summary>
public sealed record ConversionResult(
    string Source,
    string Destination,
    long SourceBytes,
    long OutputBytes,
    PyramidPlan Plan,
    long TilesWritten,
    long DuplicateTiles,
    bool BigTiff,
    string Encoder,
    double? MicronsPerPixel,
    TimeSpan Elapsed,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Where the time went, per stage (summed over threads).</summary>
    public StageTimes? Stages { get; init; }
}
