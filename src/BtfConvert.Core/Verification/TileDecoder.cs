using BitMiracle.LibTiff.Classic;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Tiff.LibTiffNet;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;
using LibTiffTag = BitMiracle.LibTiff.Classic.TiffTag;

namespace BtfConvert.Core.Verification;

/// <summary>
/// Decodes tiles of an output to RGB or gray samples. JPEG, deflate, LZW and uncompressed tiles are decoded by
/// LibTiff.NET (a port of libtiff: the decoder real viewers use, and code independent of our writer); LibTiff.NET
/// has no zstd, so Compression=50000 tiles are inflated with ZstdSharp and the predictor undone here. ImageSharp is
/// deliberately not used: it is our JPEG encoder, and its licence policy here is encode-only.
/// Not thread-safe: one instance per worker.
/// </summary>
internal sealed class TileDecoder : IDisposable
{
    private readonly IByteSource _output;
    private readonly ByteSourceStream _stream;
    private readonly LibTiff? _tiff;
    private readonly string? _openError;
    private ZstdSharp.Decompressor? _zstd;
    private int _currentDirectory = -1;

    public TileDecoder(IByteSource output)
    {
        LibTiffMessages.EnsureInstalled();
        _output = output;
        _stream = new ByteSourceStream(output);
        LibTiffMessages.Clear();
        try
        {
            _tiff = LibTiff.ClientOpen(output.Name, "r", _stream, new TiffStream());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _openError = e.Message;
        }

        if (_tiff is null)
        {
            _openError ??= string.Join("; ", LibTiffMessages.Current);
        }
    }

    /// <summary>
    /// Decodes tile <paramref name="tileIndex"/> of level <paramref name="level"/> into <paramref name="pixels"/>
    /// (tile width × height × samples). Returns null on success, else why the tile does not decode.
    /// </summary>
    public string? Decode(OutputLevel level, int tileIndex, byte[] pixels)
    {
        try
        {
            return level.Compression == Tiff.TiffConstants.CompressionZstd
                ? DecodeZstd(level, tileIndex, pixels)
                : DecodeWithLibTiff(level, tileIndex, pixels);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            // A third-party decoder fed damaged data may fail in any way; each way is a failed tile, not a crash.
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private string? DecodeWithLibTiff(OutputLevel level, int tileIndex, byte[] pixels)
    {
        if (_tiff is null)
        {
            return $"LibTiff.NET cannot open the file: {_openError}";
        }

        LibTiffMessages.Clear();
        if (_currentDirectory != level.Index)
        {
            if (!_tiff.SetDirectory((short)level.Index))
            {
                return $"LibTiff.NET cannot read directory {level.Index}: {string.Join("; ", LibTiffMessages.Current)}";
            }

            if (level.Compression == Tiff.TiffConstants.CompressionJpeg && level.SamplesPerPixel == 3)
            {
                _tiff.SetField(LibTiffTag.JPEGCOLORMODE, JpegColorMode.RGB);
            }

            _currentDirectory = level.Index;
            LibTiffMessages.Clear();
        }

        int n = _tiff.ReadEncodedTile(tileIndex, pixels, 0, level.TileBytes);
        if (LibTiffMessages.Current.Count > 0)
        {
            return string.Join("; ", LibTiffMessages.Current);
        }

        return n == level.TileBytes ? null : $"decoded {n} bytes, expected {level.TileBytes}";
    }

    private string? DecodeZstd(OutputLevel level, int tileIndex, byte[] pixels)
    {
        long count = level.TileByteCounts[tileIndex];
        var compressed = new byte[count];
        _output.ReadExactlyAsync(level.TileOffsets[tileIndex], compressed, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _zstd ??= new ZstdSharp.Decompressor();
        int n = _zstd.Unwrap(compressed, pixels);
        if (n != level.TileBytes)
        {
            return $"decoded {n} bytes, expected {level.TileBytes}";
        }

        if (level.Predictor == Tiff.TiffConstants.PredictorHorizontal)
        {
            HorizontalPredictor.Undo(pixels, level.TileWidth, level.TileHeight, level.SamplesPerPixel);
        }

        return null;
    }

    public void Dispose()
    {
        _tiff?.Dispose();
        _zstd?.Dispose();
        _stream.Dispose();
    }
}
