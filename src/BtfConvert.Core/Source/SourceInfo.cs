using BtfConvert.Core.Metadata;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Source;

/// <summary>What an input holds: the parsed directories, the main image, extras, vendor metadata, and warnings.</summary>
public sealed record SourceInfo(
    TiffFileInfo File,
    SourceImage Main,
    IReadOnlyList<AssociatedImage> AssociatedImages,
    OlympusSisMetadata? Sis,
    IReadOnlyList<string> Warnings)
{
    /// <summary>What was chosen and why (which IFD is the main image, pyramid levels rebuilt), for the log.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
