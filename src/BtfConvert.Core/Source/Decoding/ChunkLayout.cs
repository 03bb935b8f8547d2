using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Source.Decoding;

/// <summary>
/// The strips or tiles of an image that is decoded: a grid of chunks, one grid per plane. A "group" is what one
/// decoding step needs — one row of strips (a strip of each plane) or one row of tiles (every tile across, of each
/// plane) — so an image is decoded in <see cref="GroupCount"/> steps, top to bottom, each chunk read once.
/// </summary>
/// <param name="ChunkHeight">Rows per strip or tile height: the image rows one group covers (the last group may have fewer).</param>
internal sealed record ChunkLayout(
    bool Tiled, int ChunkWidth, int ChunkHeight, int Across, int Down, int Planes, long[] Offsets, long[] ByteCounts)
{
    /// <summary>
    /// Most bytes one group may decode to (every plane). It is held while its rows are converted, next to the level
    /// chain (~140 MB at 45,000 pixels wide with 256-pixel tiles) and the read-ahead. A 20,000-pixel-wide RGB image
    /// with 512 × 512 tiles of 16-bit samples needs 60 MiB; a single 8-bit RGB strip fits up to ~6,680² pixels.
    /// </summary>
    public const long MaxGroupBytes = 128L << 20;

    public int GroupCount => Down;

    public int ChunkIndex(int group, int column, int plane) => (plane * Across * Down) + (group * Across) + column;

    public string Describe() => Tiled ? $"tiles {ChunkWidth}x{ChunkHeight}" : $"strips of {ChunkHeight} rows";

    /// <exception cref="InvalidDataException">Chunk tables that do not match the image or the file.</exception>
    /// <exception cref="NotSupportedException">Chunks too large to decode within the memory budget.</exception>
    public static ChunkLayout FromDirectory(
        TiffFileInfo file, TiffDirectory dir, int width, int height, PixelFormat format, bool uncompressed)
    {
        string name = file.Name;
        bool tiled = dir[TiffTag.TileWidth] is not null || dir[TiffTag.TileOffsets] is not null;
        int planes = format.Planar ? format.SamplesPerPixel : 1;
        int chunkWidth, chunkHeight;
        if (tiled)
        {
            chunkWidth = (int)Math.Min(dir.GetUInt64(TiffTag.TileWidth) ?? 0, 1 << 16);
            chunkHeight = (int)Math.Min(dir.GetUInt64(TiffTag.TileLength) ?? 0, 1 << 16);
            if (chunkWidth == 0 || chunkHeight == 0)
            {
                throw new InvalidDataException($"{name}: tiled image with tile size {chunkWidth}x{chunkHeight}");
            }

            // Tile columns must start on whole bytes and whole YCbCr blocks (TIFF asks for multiples of 16 anyway).
            if (chunkWidth * format.SamplesPerPixel * format.BitsPerSample % 8 != 0
                || chunkWidth % format.SubsamplingH != 0 || chunkHeight % format.SubsamplingV != 0)
            {
                throw new NotSupportedException($"{name}: tiles of {chunkWidth}x{chunkHeight} do not fit {format.Describe()} samples");
            }
        }
        else
        {
            chunkWidth = width;
            chunkHeight = (int)Math.Min(dir.GetUInt64(TiffTag.RowsPerStrip) ?? uint.MaxValue, (ulong)height);
            if (chunkHeight == 0)
            {
                throw new InvalidDataException($"{name}: RowsPerStrip is 0");
            }
        }

        int across = (width + chunkWidth - 1) / chunkWidth, down = (height + chunkHeight - 1) / chunkHeight;
        long groupBytes = format.StorageRowBytes((long)across * chunkWidth) * format.StorageRows(chunkHeight) * planes;
        if (groupBytes > MaxGroupBytes)
        {
            throw new NotSupportedException(
                $"{name}: its {(tiled ? "rows of tiles" : "strips")} of {chunkHeight} rows decode to {groupBytes >> 20} MiB each (at most {MaxGroupBytes >> 20} MiB); re-save it with smaller {(tiled ? "tiles" : "strips")}, e.g. tiffcp -r 64");
        }

        long chunks = (long)across * down * planes;
        string what = tiled ? "Tile" : "Strip";
        var offsets = ReadTable(name, dir, tiled ? TiffTag.TileOffsets : TiffTag.StripOffsets, $"{what}Offsets", chunks);
        var counts = ReadTable(name, dir, tiled ? TiffTag.TileByteCounts : TiffTag.StripByteCounts, $"{what}ByteCounts", chunks);
        for (int i = 0; i < chunks; i++)
        {
            // Uncompressed chunks must hold their rows (the last strip may be short; edge tiles are whole).
            int rows = tiled ? chunkHeight : Math.Min(chunkHeight, height - (i % down * chunkHeight));
            long needed = format.StorageRowBytes(chunkWidth) * format.StorageRows(rows);
            if (uncompressed && counts[i] != 0 && counts[i] < needed)
            {
                throw new InvalidDataException(
                    $"{name}: {what.ToLowerInvariant()} {i} has {counts[i]} bytes but {rows} rows of {chunkWidth} {format.Describe()} pixels need {needed}");
            }

            if (counts[i] > MaxGroupBytes)
            {
                throw new InvalidDataException($"{name}: {what.ToLowerInvariant()} {i} claims {counts[i]} compressed bytes");
            }

            if (counts[i] > 0 && (offsets[i] < 0 || offsets[i] > file.Length - counts[i]))
            {
                throw new InvalidDataException(
                    $"{name}: {what.ToLowerInvariant()} {i} ({counts[i]} bytes at {offsets[i]}) runs past the end of the file ({file.Length} bytes); the file is truncated or damaged");
            }
        }

        return new ChunkLayout(tiled, chunkWidth, chunkHeight, across, down, planes, offsets, counts);
    }

    private static long[] ReadTable(string name, TiffDirectory dir, ushort tag, string tagName, long expected)
    {
        var field = dir[tag] ?? throw new InvalidDataException($"{name}: missing required tag {tagName}");
        if (!field.IsInteger || (long)field.Count != expected)
        {
            throw new InvalidDataException($"{name}: {tagName} has {field.Count} values of type {field.Type}, expected {expected}");
        }

        var values = new long[expected];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (long)Math.Min(field.GetUInt64(i), long.MaxValue);
        }

        return values;
    }
}
