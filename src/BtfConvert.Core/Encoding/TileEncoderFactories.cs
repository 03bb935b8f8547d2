using BtfConvert.Core.Encoding.TurboJpeg;

namespace BtfConvert.Core.Encoding;

/// <summary>Chooses the encoder for a <see cref="TileCompression"/>, preferring native libraries when present.</summary>
public static class TileEncoderFactories
{
    public const int DefaultJpegQuality = 90;
    public const int DefaultDeflateLevel = 6;
    public const int DefaultZstdLevel = 9;

    /// <summary>
    /// Environment variable choosing the JPEG encoder: <c>managed</c> forces ImageSharp even when libjpeg-turbo is
    /// installed; unset (or <c>auto</c>) uses libjpeg-turbo when it loads.
    /// </summary>
    public const string JpegEncoderVariable = "BTFCONVERT_JPEG_ENCODER";

    private static bool? _preferManaged;

    /// <summary>
    /// Forbids native encoders (tests of the portable path). Defaults to <see cref="JpegEncoderVariable"/> = managed.
    /// </summary>
    public static bool PreferManaged
    {
        get => _preferManaged ??= string.Equals(Environment.GetEnvironmentVariable(JpegEncoderVariable), "managed", StringComparison.OrdinalIgnoreCase);
        set => _preferManaged = value;
    }

    /// <summary>True when JPEG tiles go through libjpeg-turbo in this process.</summary>
    public static bool UsesNativeJpeg => !PreferManaged && TurboJpegLibrary.IsAvailable;

    public static ITileEncoderFactory Create(TileCompression compression, TileFormat format, int quality = DefaultJpegQuality,
        JpegEncoderPreference jpegEncoder = JpegEncoderPreference.Auto) =>
        compression switch
        {
            TileCompression.Jpeg => CreateJpeg(format, quality, jpegEncoder),
            TileCompression.Deflate => new DeflateTileEncoder.Factory(format, DefaultDeflateLevel),
            TileCompression.Zstd => new ZstdTileEncoder.Factory(format, DefaultZstdLevel),
            TileCompression.Lzw => new LzwTileEncoder.Factory(format),
            TileCompression.None => new UncompressedTileEncoder.Factory(format),
            _ => throw new ArgumentOutOfRangeException(nameof(compression)),
        };

    /// <summary>Which JPEG encoder conversions use on this machine, and why.</summary>
    public static string JpegEncoderDescription =>
        UsesNativeJpeg
            ? $"libjpeg-turbo (native {TurboJpegNative.LibraryName})"
            : PreferManaged
                ? $"ImageSharp 2.1 (managed; {JpegEncoderVariable}=managed)"
                : $"ImageSharp 2.1 (managed; {TurboJpegLibrary.UnavailableReason})";

    private static ITileEncoderFactory CreateJpeg(TileFormat format, int quality, JpegEncoderPreference preference)
    {
        bool native = preference switch
        {
            JpegEncoderPreference.Managed => false,
            JpegEncoderPreference.Native => TurboJpegLibrary.IsAvailable
                ? true
                : throw new NotSupportedException($"the native JPEG encoder is unavailable: {TurboJpegLibrary.UnavailableReason}"),
            _ => UsesNativeJpeg,
        };
        return native ? new TurboJpegTileEncoder.Factory(format, quality) : new ImageSharpJpegTileEncoder.Factory(format, quality);
    }
}
