namespace BtfConvert.Core.Encoding;

/// <summary>Tile compressions the converter can write (<c>--compression</c>).</summary>
public enum TileCompression
{
    Jpeg,
    Deflate,
    Zstd,
    Lzw,
    None,
}
