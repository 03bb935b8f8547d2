namespace BtfConvert.Core.Verification;

/// <summary>One tiled pyramid level of an output, as its IFD describes it.</summary>
internal sealed record OutputLevel(
    int Index, int Width, int Height, int TileWidth, int TileHeight, int SamplesPerPixel, ulong Compression,
    ulong Predictor, long[] TileOffsets, long[] TileByteCounts)
{
    public int TilesAcross => (Width + TileWidth - 1) / TileWidth;
    public int TilesDown => (Height + TileHeight - 1) / TileHeight;
    public int TileCount => TilesAcross * TilesDown;
    public int TileBytes => TileWidth * TileHeight * SamplesPerPixel;
    public bool Lossless => Compression != Tiff.TiffConstants.CompressionJpeg;
}
