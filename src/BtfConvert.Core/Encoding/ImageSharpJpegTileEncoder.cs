using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace BtfConvert.Core.Encoding;

/// <summary>
/// Portable JPEG tiles through SixLabors.ImageSharp 2.1 (encode only — it never decodes untrusted input here).
/// Used when libjpeg-turbo is not installed (or BTFCONVERT_JPEG_ENCODER=managed). Each tile is a complete baseline
/// JFIF stream; <see cref="JpegTileEncoderFactory"/> moves its tables into the JPEGTables tag.
/// </summary>
internal sealed class ImageSharpJpegTileEncoder : ITileEncoder
{
    private readonly TileFormat _format;
    private readonly JpegEncoder _encoder;
    private readonly MemoryStream _output;

    // One image per encoder, refilled for every tile: no Image (and pixel buffer) per tile.
    private readonly Image<Rgb24>? _rgb;
    private readonly Image<L8>? _gray;

    public ImageSharpJpegTileEncoder(TileFormat format, int quality)
    {
        _format = format;
        _encoder = new JpegEncoder
        {
            Quality = quality,
            ColorType = format.SamplesPerPixel == 1 ? JpegColorType.Luminance : JpegColorType.YCbCrRatio420,
        };
        _output = new MemoryStream(format.ByteCount);
        // ImageSharp splits images over ~4 MiB into several buffers unless asked not to; tiles up to 4096² must
        // stay one buffer so the pixels can be copied in with one span copy.
        var configuration = Configuration.Default.Clone();
        configuration.PreferContiguousImageBuffers = true;
        if (format.SamplesPerPixel == 1)
        {
            _gray = new Image<L8>(configuration, format.Width, format.Height);
        }
        else
        {
            _rgb = new Image<Rgb24>(configuration, format.Width, format.Height);
        }
    }

    // Quality 100 on noise can exceed the raw size; headers add ~600 bytes.
    public int MaxEncodedLength => (_format.ByteCount * 2) + 4096;

    public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination)
    {
        _output.SetLength(0);
        if (_gray is not null)
        {
            pixels[.._format.ByteCount].CopyTo(PixelBytes(_gray));
            _gray.SaveAsJpeg(_output, _encoder);
        }
        else
        {
            pixels[.._format.ByteCount].CopyTo(PixelBytes(_rgb!));
            _rgb!.SaveAsJpeg(_output, _encoder);
        }

        int length = (int)_output.Length;
        _output.GetBuffer().AsSpan(0, length).CopyTo(destination);
        return length;
    }

    public void Dispose()
    {
        _rgb?.Dispose();
        _gray?.Dispose();
        _output.Dispose();
    }

    private static Span<byte> PixelBytes<TPixel>(Image<TPixel> image)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        // PreferContiguousImageBuffers (see the constructor) makes a tile image one buffer.
        if (!image.DangerousTryGetSinglePixelMemory(out var memory))
        {
            throw new InvalidOperationException("ImageSharp allocated a tile image in several buffers");
        }

        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(memory.Span);
    }

    internal sealed class Factory(TileFormat format, int quality, bool shareTables = true)
        : JpegTileEncoderFactory($"jpeg q{quality} (ImageSharp)", format, quality, shareTables)
    {
        protected override ITileEncoder CreateFullStreamEncoder() => new ImageSharpJpegTileEncoder(Format, Quality);
    }
}
