using System.Buffers;
using System.Diagnostics;
using BitMiracle.LibTiff.Classic;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source.Decoding;
using BtfConvert.Core.Tiff.LibTiffNet;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;
using LibTiffTag = BitMiracle.LibTiff.Classic.TiffTag;

namespace BtfConvert.Core.Source;

/// <summary>
/// Delivers the rows of any supported image that the plain strip reader cannot copy (compressed, tiled, planar,
/// 16-bit, palette, …) as 8-bit RGB or gray rows, in order, in one pass: one group (a row of strips or of tiles,
/// every plane) is decoded by LibTiff.NET at a time from bytes the <see cref="ChunkPrefetcher"/> read ahead, then
/// converted row by row. Memory: one decoded group (at most <see cref="ChunkLayout.MaxGroupBytes"/>) plus the
/// read-ahead, whatever the image height.
/// </summary>
internal static class DecodingRowReader
{
    /// <summary>Same contract as <see cref="StripReader.ReadRows"/>.</summary>
    public static void ReadRows(IByteSource source, SourceImage image, int readSize, int readAhead,
        Action<ReadOnlySpan<byte>> onRow, Action<long, long>? onProgress, CancellationToken cancellationToken,
        StageTimings? timings = null)
    {
        var format = image.Format;
        var layout = image.Chunks ?? throw new InvalidOperationException("the image has no chunk layout");
        LibTiffMessages.EnsureInstalled();
        using var prefetcher = new ChunkPrefetcher(source, layout, Math.Max(readSize, 64 << 10), readAhead, cancellationToken, timings);
        // Chunk reads come from the prefetched buffers; the directories LibTiff.NET parses at open, through 1 MiB windows.
        // LibTiff.NET is shown the ignored entries' counts as zero, so it skips the same tags we did.
        using var stream = new ByteSourceStream(source, 1 << 20, prefetcher.Find, image.IgnoredCountFields);
        using var tiff = Open(source.Name, stream, image);
        var converter = new PixelConverter(format, image.Width);
        long bandRowBytes = format.StorageRowBytes(image.Width);
        int bandStorageRows = format.StorageRows(layout.ChunkHeight);
        var planes = new byte[layout.Planes][];
        byte[]? tile = null;
        byte[]? chunky = null;
        byte[] output = ArrayPool<byte>.Shared.Rent(converter.OutputRowBytes * format.RowsPerStorageRow);
        try
        {
            for (int p = 0; p < planes.Length; p++)
            {
                planes[p] = ArrayPool<byte>.Shared.Rent((int)(bandRowBytes * bandStorageRows));
            }

            if (layout.Tiled)
            {
                tile = ArrayPool<byte>.Shared.Rent((int)(format.StorageRowBytes(layout.ChunkWidth) * bandStorageRows));
            }

            if (layout.Planes > 1)
            {
                chunky = ArrayPool<byte>.Shared.Rent((int)format.StorageRowBytes(image.Width) * layout.Planes);
            }

            int bytesPerSample = format.BitsPerSample / 8;
            for (int g = 0; g < layout.GroupCount; g++)
            {
                long start = Stopwatch.GetTimestamp();
                prefetcher.Prepare(g);
                int rows = Math.Min(layout.ChunkHeight, image.Height - (g * layout.ChunkHeight));
                for (int p = 0; p < planes.Length; p++)
                {
                    DecodeGroup(tiff, prefetcher, source.Name, image, g, p, rows, planes[p], tile);
                }

                timings?.AddRead(Stopwatch.GetTimestamp() - start);
                for (int sr = 0, y = 0; y < rows; sr++, y += format.RowsPerStorageRow)
                {
                    ReadOnlySpan<byte> row = planes[0].AsSpan((int)(sr * bandRowBytes), (int)bandRowBytes);
                    if (chunky is not null)
                    {
                        PixelConverter.InterleaveRow(planes, (int)(sr * bandRowBytes), image.Width, bytesPerSample, chunky);
                        row = chunky;
                    }

                    int unitRows = Math.Min(format.RowsPerStorageRow, rows - y);
                    converter.Convert(row, unitRows, output);
                    for (int r = 0; r < unitRows; r++)
                    {
                        onRow(output.AsSpan(r * converter.OutputRowBytes, converter.OutputRowBytes));
                    }
                }

                onProgress?.Invoke((g * (long)layout.ChunkHeight) + rows, prefetcher.BytesRead);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            timings?.SetReadAheadSteps(prefetcher.ReadAheadSteps);
            foreach (var buffer in planes.Append(tile).Append(chunky).Append(output))
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    private static LibTiff Open(string name, Stream stream, SourceImage image)
    {
        LibTiffMessages.Clear();
        LibTiff? tiff = null;
        try
        {
            // "c": no strip chopping, so LibTiff.NET's strip numbers are the file's (and ours).
            tiff = LibTiff.ClientOpen(name, "rc", stream, new TiffStream())
                ?? throw new InvalidDataException($"{name}: LibTiff.NET cannot open the file: {Messages()}");
            if (!tiff.SetDirectory((short)image.DirectoryIndex))
            {
                throw new InvalidDataException($"{name}: LibTiff.NET cannot read IFD {image.DirectoryIndex}: {Messages()}");
            }

            if (image.Compression == Tiff.TiffConstants.CompressionJpeg
                && tiff.GetField(LibTiffTag.PHOTOMETRIC)?[0].ToInt() == (int)Photometric.YCBCR)
            {
                tiff.SetField(LibTiffTag.JPEGCOLORMODE, JpegColorMode.RGB);
            }

            return tiff;
        }
        catch (Exception e) when (e is not (InvalidDataException or IOException or OperationCanceledException or OutOfMemoryException))
        {
            tiff?.Dispose();
            // LibTiff.NET parses the directories again; on damaged ones it may throw anything (overflow, index range).
            throw new InvalidDataException($"{name}: LibTiff.NET cannot read IFD {image.DirectoryIndex} ({e.GetType().Name}: {e.Message})", e);
        }
        catch
        {
            tiff?.Dispose();
            throw;
        }
    }

    /// <summary>Decodes plane <paramref name="plane"/> of group <paramref name="group"/> into <paramref name="band"/> (storage rows of the full width).</summary>
    private static void DecodeGroup(LibTiff tiff, ChunkPrefetcher prefetcher, string name, SourceImage image, int group, int plane, int rows, byte[] band, byte[]? tile)
    {
        var format = image.Format;
        var layout = image.Chunks!;
        int storageRows = format.StorageRows(rows);
        int bandRowBytes = (int)format.StorageRowBytes(image.Width);
        if (!layout.Tiled)
        {
            int strip = layout.ChunkIndex(group, 0, plane);
            Decode(tiff, prefetcher, name, strip, image, band, storageRows * bandRowBytes, tiled: false);
            return;
        }

        int tileRowBytes = (int)format.StorageRowBytes(layout.ChunkWidth);
        int tileBytes = tileRowBytes * format.StorageRows(layout.ChunkHeight);
        for (int c = 0; c < layout.Across; c++)
        {
            int index = layout.ChunkIndex(group, c, plane);
            Decode(tiff, prefetcher, name, index, image, tile!, tileBytes, tiled: true);
            int x0 = c * layout.ChunkWidth;
            int columnOffset = (int)format.StorageRowBytes(x0);
            int length = (int)format.StorageRowBytes(Math.Min(image.Width, x0 + layout.ChunkWidth)) - columnOffset;
            for (int sr = 0; sr < storageRows; sr++)
            {
                Buffer.BlockCopy(tile!, sr * tileRowBytes, band, (sr * bandRowBytes) + columnOffset, length);
            }
        }
    }

    private static void Decode(LibTiff tiff, ChunkPrefetcher prefetcher, string name, int index, SourceImage image, byte[] buffer, int bytes, bool tiled)
    {
        string what = tiled ? "tile" : "strip";
        var layout = image.Chunks!;
        if (layout.ByteCounts[index] == 0)
        {
            // Sparse chunk (libtiff reads these as zeros): nothing was ever written there.
            Array.Clear(buffer, 0, bytes);
            return;
        }

        if (image.Compression == Tiff.TiffConstants.CompressionNone && image.Format.IsSubsampled)
        {
            // LibTiff.NET sizes uncompressed 2x2-subsampled YCbCr strips as if they were 2x1 and fails to read
            // them; stored bytes are the samples, so they are taken as they are.
            if (layout.ByteCounts[index] < bytes)
            {
                throw new InvalidDataException($"{name}: {what} {index} has {layout.ByteCounts[index]} bytes, its rows need {bytes}");
            }

            prefetcher.Find(layout.Offsets[index], bytes).CopyTo(buffer);
            return;
        }

        LibTiffMessages.Clear();
        int n;
        try
        {
            n = tiled ? tiff.ReadEncodedTile(index, buffer, 0, bytes) : tiff.ReadEncodedStrip(index, buffer, 0, bytes);
        }
        catch (Exception e) when (e is not (IOException or OperationCanceledException or OutOfMemoryException))
        {
            // A codec fed damaged data may fail in any way; each way is damaged input.
            throw new InvalidDataException($"{name}: {what} {index} does not decode ({e.GetType().Name}: {e.Message})", e);
        }

        if (n < bytes)
        {
            string why = LibTiffMessages.Current.Count > 0 ? Messages() : $"{Math.Max(n, 0)} of {bytes} bytes";
            throw new InvalidDataException($"{name}: {what} {index} does not decode: {why}");
        }
    }

    private static string Messages() => string.Join("; ", LibTiffMessages.Current);
}
