namespace BtfConvert.Core.Encoding;

/// <summary>Geometry of the tiles handed to an encoder: always full tiles, chunky, 8 bits per sample.</summary>
/// <param name="Width">Tile width in pixels (a multiple of 16).</param>
/// <param name="Height">Tile height in pixels (a multiple of 16).</param>
/// <param name="SamplesPerPixel">1 (grayscale) or 3 (RGB).</param>
public readonly record struct TileFormat(int Width, int Height, int SamplesPerPixel)
{
    public int RowBytes => Width * SamplesPerPixel;
    public int ByteCount => Width * Height * SamplesPerPixel;
}
