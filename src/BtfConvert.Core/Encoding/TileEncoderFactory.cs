using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Encoding;

/// <summary>A factory whose encoders all share one tagging; subclasses supply the encoder.</summary>
internal abstract class TileEncoderFactory(string name, TileFormat format, ushort compressionTag, ushort? predictor)
    : ITileEncoderFactory
{
    public string Name { get; } = name;
    public TileFormat Format { get; } = format;
    public ushort CompressionTag { get; } = compressionTag;

    public virtual ushort Photometric =>
        Format.SamplesPerPixel == 1 ? TiffConstants.PhotometricMinIsBlack : TiffConstants.PhotometricRgb;

    public ushort? Predictor { get; } = predictor;
    public virtual (ushort Horizontal, ushort Vertical)? YCbCrSubsampling => null;
    public virtual byte[]? JpegTables => null;
    public abstract ITileEncoder Create();
}
