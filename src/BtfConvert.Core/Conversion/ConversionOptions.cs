using BtfConvert.Core.Encoding;

namespace BtfConvert.Core.Conversion;

public enum BigTiffMode
{
    Auto,
    Yes,
    No,
}

/// <summary>How to convert; defaults match the CLI's.</summary>
public sealed record ConversionOptions
{
    public int TileSize { get; init; } = 256;
    public TileCompression Compression { get; init; } = TileCompression.Jpeg;
    public int Quality { get; init; } = TileEncoderFactories.DefaultJpegQuality;
    public BigTiffMode BigTiff { get; init; } = BigTiffMode.Auto;

    /// <summary>Encoding threads; 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Pixel size in µm that overrides the SIS block (<c>--mpp</c>).</summary>
    public double? MicronsPerPixel { get; init; }

    /// <summary>Bytes per bulk read of strips; 0 takes the source's preferred size.</summary>
    public int ReadSize { get; init; }

    /// <summary>Share one copy of identical small tiles (e.g. blank background) instead of writing it again.</summary>
    public bool DeduplicateTiles { get; init; } = true;

    /// <summary>JPEG encoder choice; the output format is the same, only speed and exact bytes differ.</summary>
    public JpegEncoderPreference JpegEncoder { get; init; } = JpegEncoderPreference.Auto;

    /// <summary>
    /// Convert the pixels as stored, whatever the Orientation tag says (<c>--ignore-orientation</c>). Without it flips
    /// (2–4) are turned upright and transposed orientations (5–8) are refused.
    /// </summary>
    public bool IgnoreOrientation { get; init; }

    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>Checks ranges; throws <see cref="ArgumentException"/> with the option's CLI name.</summary>
    public void Validate()
    {
        if (TileSize is < 16 or > 4096 || TileSize % 16 != 0)
        {
            throw new UsageException($"--tile-size must be a multiple of 16 between 16 and 4096 (got {TileSize})");
        }

        if (Quality is < 1 or > 100)
        {
            throw new UsageException($"--quality must be between 1 and 100 (got {Quality})");
        }

        if (Threads < 0 || Threads > 256)
        {
            throw new UsageException($"--threads must be between 0 (all cores) and 256 (got {Threads})");
        }

        if (MicronsPerPixel is { } mpp && (!double.IsFinite(mpp) || mpp <= 0 || mpp > 1000))
        {
            throw new UsageException($"--mpp must be a positive number of micrometres per pixel (got {mpp})");
        }
    }

    /// <summary>A compact description recorded in the output's metadata and compared by batch runs.</summary>
    public string Fingerprint() =>
        $"compression={Compression.ToString().ToLowerInvariant()};quality={Quality};tile={TileSize};bigtiff={BigTiff.ToString().ToLowerInvariant()};mpp={MicronsPerPixel?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "auto"}"
        // Only when set, so outputs recorded before the option existed stay up to date.
        + (IgnoreOrientation ? ";orientation=stored" : string.Empty);
}
