namespace BtfConvert.Core.Encoding;

/// <summary>Chooses the encoder for a <see cref="TileCompression"/>, preferring native libraries when present.</summary>
public static class TileEncoderFactories
{
    public const int DefaultJpegQuality = 90;
    public const int DefaultDeflateLevel = 6;
    public const int DefaultZstdLevel = 9;

    /// <summary>Set by the host to forbid native encoders (tests of the portable path, --no-native).</summary>
    public static bool PreferManaged { get; set; }

    public static ITileEncoderFactory Create(TileCompression compression, TileFormat format, int quality = DefaultJpegQuality) =>
        compression switch
        {
            TileCompression.Jpeg => CreateJpeg(format, quality),
            TileCompression.Deflate => new DeflateTileEncoder.Factory(format, DefaultDeflateLevel),
            TileCompression.Zstd => new ZstdTileEncoder.Factory(format, DefaultZstdLevel),
            TileCompression.Lzw => new LzwTileEncoder.Factory(format),
            TileCompression.None => new UncompressedTileEncoder.Factory(format),
            _ => throw new ArgumentOutOfRangeException(nameof(compression)),
        };

    /// <summary>Which JPEG encoder conversions use on this machine.</summary>
    public static string JpegEncoderDescription => "ImageSharp 2.1 (managed)";

    private static ITileEncoderFactory CreateJpeg(TileFormat format, int quality)
    {
        // The native libjpeg-turbo encoder is plugged in here when available (see Encoding/TurboJpeg).
        return new ImageSharpJpegTileEncoder.Factory(format, quality);
    }
}
