namespace BtfConvert.Core.Metadata;

/// <summary>What the Olympus SIS block (tag 33560) tells: chiefly the real pixel size.</summary>
public sealed record OlympusSisMetadata(
    double PixelSizeXMeters,
    double PixelSizeYMeters,
    double Magnification,
    string CameraName,
    string PictureType,
    string Name,
    DateTime? Date)
{
    public double MicronsPerPixelX => PixelSizeXMeters * 1e6;
    public double MicronsPerPixelY => PixelSizeYMeters * 1e6;
}
