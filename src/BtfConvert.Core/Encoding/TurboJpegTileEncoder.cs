using System.Runtime.InteropServices;
using BtfConvert.Core.Encoding.TurboJpeg;

namespace BtfConvert.Core.Encoding;

/// <summary>
/// JPEG tiles through libjpeg-turbo (TurboJPEG API): baseline, YCbCr 4:2:0 for RGB or single-component grayscale,
/// accurate integer DCT. Reads the tile in place in its level band (tjCompress2's pitch) and compresses straight into
/// the caller's buffer (TJFLAG_NOREALLOC), so a tile costs no managed
/// allocation. One instance per thread: a TurboJPEG handle is not thread-safe.
/// </summary>
internal sealed class TurboJpegTileEncoder : IStridedTileEncoder
{
    private readonly TileFormat _format;
    private readonly int _quality;
    private readonly int _pixelFormat;
    private readonly int _subsampling;
    private IntPtr _handle;

    public TurboJpegTileEncoder(TileFormat format, int quality)
    {
        if (format.SamplesPerPixel is not (1 or 3))
        {
            throw new NotSupportedException($"JPEG tiles need 1 or 3 samples per pixel (got {format.SamplesPerPixel})");
        }

        _format = format;
        _quality = quality;
        _pixelFormat = format.SamplesPerPixel == 1 ? TurboJpegNative.PixelFormatGray : TurboJpegNative.PixelFormatRgb;
        _subsampling = format.SamplesPerPixel == 1 ? TurboJpegNative.SubsamplingGray : TurboJpegNative.Subsampling420;
        _handle = TurboJpegNative.InitCompress();
        if (_handle == IntPtr.Zero)
        {
            throw new InvalidOperationException("libjpeg-turbo: tjInitCompress failed");
        }

        MaxEncodedLength = checked((int)TurboJpegNative.BufSize(format.Width, format.Height, _subsampling).Value);
    }

    /// <summary>tjBufSize: the worst case libjpeg-turbo guarantees for these dimensions and subsampling.</summary>
    public int MaxEncodedLength { get; }

    public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination) => Encode(pixels, _format.RowBytes, destination);

    public unsafe int Encode(ReadOnlySpan<byte> pixels, int rowPitch, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        long needed = ((long)(_format.Height - 1) * rowPitch) + _format.RowBytes;
        if (rowPitch < _format.RowBytes || pixels.Length < needed)
        {
            throw new ArgumentException($"a tile with rows {rowPitch} bytes apart needs {needed} bytes (got {pixels.Length})", nameof(pixels));
        }

        if (destination.Length < MaxEncodedLength)
        {
            throw new ArgumentException($"the destination needs {MaxEncodedLength} bytes (got {destination.Length})", nameof(destination));
        }

        fixed (byte* source = pixels)
        fixed (byte* target = destination)
        {
            byte* buffer = target;
            var size = new CULong((nuint)MaxEncodedLength);
            int rc = TurboJpegNative.Compress2(_handle, source, _format.Width, rowPitch, _format.Height, _pixelFormat,
                &buffer, &size, _subsampling, _quality, TurboJpegNative.FlagNoRealloc | TurboJpegNative.FlagAccurateDct);
            if (rc != 0)
            {
                throw new InvalidOperationException($"libjpeg-turbo: {Marshal.PtrToStringUTF8(TurboJpegNative.GetErrorStr2(_handle))}");
            }

            if (buffer != target)
            {
                // NOREALLOC forbids this; a library that ignored it would hand us memory we cannot free correctly.
                throw new InvalidOperationException("libjpeg-turbo reallocated the output buffer despite TJFLAG_NOREALLOC");
            }

            return checked((int)size.Value);
        }
    }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
        {
            TurboJpegNative.Destroy(_handle);
            _handle = IntPtr.Zero;
        }
    }

    public sealed class Factory(TileFormat format, int quality, bool shareTables = true)
        : JpegTileEncoderFactory($"jpeg q{quality} (libjpeg-turbo)", format, quality, shareTables)
    {
        protected override ITileEncoder CreateFullStreamEncoder() => new TurboJpegTileEncoder(Format, Quality);
    }
}
