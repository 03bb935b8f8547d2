using System.IO.Compression;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Encoding;

/// <summary>Compression=8 (Adobe deflate, a zlib stream) with Predictor=2, as libvips and GDAL write it.</summary>
internal sealed class DeflateTileEncoder(TileFormat format, int level) : ITileEncoder
{
    private readonly byte[] _predicted = new byte[format.ByteCount];
    private readonly MemoryStream _output = new(format.ByteCount + 1024);

    // Incompressible data grows by ~5 bytes per 16 KB block plus the zlib header and trailer.
    public int MaxEncodedLength => format.ByteCount + (format.ByteCount / 1000) + 1024;

    public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination)
    {
        HorizontalPredictor.Apply(pixels, _predicted, format);
        _output.SetLength(0);
        using (var z = new ZLibStream(_output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
        {
            z.Write(_predicted);
        }

        int length = (int)_output.Length;
        _output.GetBuffer().AsSpan(0, length).CopyTo(destination);
        return length;
    }

    public void Dispose() => _output.Dispose();

    internal sealed class Factory(TileFormat format, int level)
        : TileEncoderFactory($"deflate level {level}", format, TiffConstants.CompressionAdobeDeflate, TiffConstants.PredictorHorizontal)
    {
        public override ITileEncoder Create() => new DeflateTileEncoder(Format, level);
    }
}
