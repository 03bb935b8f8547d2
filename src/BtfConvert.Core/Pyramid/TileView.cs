using BtfConvert.Core.Encoding;

namespace BtfConvert.Core.Pyramid;

/// <summary>
/// One tile's pixels where they lie: <see cref="Rows"/> rows of <see cref="Width"/> pixels starting at
/// <see cref="Offset"/> in <see cref="Buffer"/>, one row every <see cref="Pitch"/> bytes (a level band's row, or a
/// whole tile's row for a tile in its own buffer). A tile at the right or bottom edge of a level has fewer real
/// columns or rows than the tile format; <see cref="CopyTo"/> pads it by repeating the last column and row.
/// </summary>
internal readonly record struct TileView(byte[] Buffer, int Offset, int Pitch, int Width, int Rows, PixelBand? Band)
{
    /// <summary>A whole tile held in its own buffer, rows packed.</summary>
    public static TileView Packed(byte[] tile, TileFormat format) =>
        new(tile, 0, format.RowBytes, format.Width, format.Height, null);

    /// <summary>True when every pixel of the tile is real (no padding needed).</summary>
    public bool IsWhole(TileFormat format) => Width == format.Width && Rows == format.Height;

    /// <summary>The bytes from the first pixel to the last real pixel, rows <see cref="Pitch"/> apart.</summary>
    public ReadOnlySpan<byte> Span(int samplesPerPixel) =>
        Buffer.AsSpan(Offset, ((Rows - 1) * Pitch) + (Width * samplesPerPixel));

    /// <summary>
    /// Writes the tile packed into <paramref name="tile"/> (<see cref="TileFormat.ByteCount"/> bytes). Rows below
    /// the image repeat the last real row; columns right of it repeat the last column, so JPEG blocks at the edge
    /// carry no false contrast.
    /// </summary>
    public void CopyTo(Span<byte> tile, TileFormat format)
    {
        int spp = format.SamplesPerPixel;
        int tileRowBytes = format.RowBytes;
        int copyBytes = Width * spp;
        for (int y = 0; y < format.Height; y++)
        {
            int sourceRow = Math.Min(y, Rows - 1);
            var src = Buffer.AsSpan(Offset + (sourceRow * Pitch), copyBytes);
            var dst = tile.Slice(y * tileRowBytes, tileRowBytes);
            src.CopyTo(dst);
            if (Width < format.Width)
            {
                var last = src[^spp..];
                for (int x = Width; x < format.Width; x++)
                {
                    last.CopyTo(dst[(x * spp)..]);
                }
            }
        }
    }

    /// <summary>The encoder is done with the pixels: lets the band they lie in be filled again.</summary>
    public void Release() => Band?.Release();
}
