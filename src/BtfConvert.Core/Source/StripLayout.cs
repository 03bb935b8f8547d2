namespace BtfConvert.Core.Source;

/// <summary>
/// Plain strips: uncompressed chunky 8-bit rows stored as they are, so row <c>y</c> sits at a computable offset and
/// is copied from the file without a decoder (see <see cref="StripReader"/>).
/// </summary>
/// <param name="RowsPerStrip">Rows in each strip (the last may hold fewer), at most the image height.</param>
/// <param name="Offsets">File offset of each strip, top to bottom.</param>
/// <param name="RowBytes">Bytes in one row: width × samples per pixel.</param>
public sealed record StripLayout(long RowsPerStrip, IReadOnlyList<long> Offsets, int RowBytes)
{
    /// <summary>File offset of row <paramref name="y"/>.</summary>
    public long RowOffset(int y) => Offsets[(int)(y / RowsPerStrip)] + (y % RowsPerStrip * RowBytes);

    public string Describe() => $"strips of {RowsPerStrip} rows";
}
