using BtfConvert.Core.Tiff;
using ZstdSharp;

namespace BtfConvert.Core.Encoding;

/// <summary>Compression=50000 (zstd, libtiff's code) with Predictor=2. Fast and small, but fewer readers know it.</summary>
internal sealed class ZstdTileEncoder(TileFormat format, int level) : ITileEncoder
{
    private readonly byte[] _predicted = new byte[format.ByteCount];
    private readonly Compressor _compressor = new(level);

    public int MaxEncodedLength { get; } = Compressor.GetCompressBound(format.ByteCount);

    public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination)
    {
        HorizontalPredictor.Apply(pixels, _predicted, format);
        return _compressor.Wrap(_predicted, destination);
    }

    public void Dispose() => _compressor.Dispose();

    internal sealed class Factory(TileFormat format, int level)
        : TileEncoderFactory($"zstd level {level}", format, TiffConstants.CompressionZstd, TiffConstants.PredictorHorizontal)
    {
        public override ITileEncoder Create() => new ZstdTileEncoder(Format, level);
    }
}
