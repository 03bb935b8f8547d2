using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Encoding;

/// <summary>Compression=1: the pixels as they are.</summary>
internal sealed class UncompressedTileEncoder(TileFormat format) : ITileEncoder
{
    public int MaxEncodedLength => format.ByteCount;

    public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination)
    {
        pixels[..format.ByteCount].CopyTo(destination);
        return format.ByteCount;
    }

    public void Dispose()
    {
    }

    internal sealed class Factory(TileFormat format)
        : TileEncoderFactory("none", format, TiffConstants.CompressionNone, null)
    {
        public override ITileEncoder Create() => new UncompressedTileEncoder(Format);
    }
}
