using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace BtfConvert.Core.Encoding;

/// <summary>
/// Portable JPEG tiles through SixLabors.ImageSharp 2.1 (encode only — it never decodes untrusted input here).
/// Used when libjpeg-turbo is not installed (or BTFCONVERT_JPEG_ENCODER=managed). Each tile is a complete baseline
/// JFIF stream; <see cref="JpegTileEncoderFactory"/> moves its tables into the JPEGTables tag.
/// </summary>
public sealed class ImageSharpJpegTileEncoder : ITileEncoder
{
    private readonly TileFormat _format;
    private readonly JpegEncoder _encoder;
    private readonly MemoryStream _output;

    public ImageSharpJpegTileEncoder(TileFormat format, int quality)
    {
        _format = format;
        _encoder = new JpegEncoder
        {
            Quality = quality,
            ColorType = format.SamplesPerPixel == 1 ? JpegColorType.Luminance : JpegColorType.YCbCrRatio420,
        };
        _output = new MemoryStream(format.ByteCount);
    }

    // Quality 100 on noise can exceed the raw size; headers add ~600 bytes.
    public int MaxEncodedLength => (_format.ByteCount * 2) + 4096;

    public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination)
    {
        _output.SetLength(0);
        if (_format.SamplesPerPixel == 1)
        {
            using var image = Image.LoadPixelData<L8>(pixels[.._format.ByteCount], _format.Width, _format.Height);
            image.SaveAsJpeg(_output, _encoder);
        }
        else
        {
            using var image = Image.LoadPixelData<Rgb24>(pixels[.._format.ByteCount], _format.Width, _format.Height);
            image.SaveAsJpeg(_output, _encoder);
        }

        int length = (int)_output.Length;
        _output.GetBuffer().AsSpan(0, length).CopyTo(destination);
        return length;
    }

    public void Dispose() => _output.Dispose();

    public sealed class Factory(TileFormat format, int quality, bool shareTables = true)
        : JpegTileEncoderFactory($"jpeg q{quality} (ImageSharp)", format, quality, shareTables)
    {
        protected override ITileEncoder CreateFullStreamEncoder() => new ImageSharpJpegTileEncoder(Format, Quality);
    }
}
