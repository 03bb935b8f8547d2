using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Encoding;

/// <summary>
/// Base of the JPEG encoders' factories: YCbCr 4:2:0 (or grayscale) tagging, and the tables shared through the
/// JPEGTables tag. The shared tables are taken from one reference tile at start-up: with standard Huffman tables
/// every tile of a given quality carries exactly these, so each tile loses them (see <see cref="JpegTablesSplitter"/>).
/// </summary>
internal abstract class JpegTileEncoderFactory : TileEncoderFactory
{
    private readonly Lazy<byte[]> _tables;

    protected JpegTileEncoderFactory(string name, TileFormat format, int quality, bool shareTables)
        : base(name, format, TiffConstants.CompressionJpeg, null)
    {
        Quality = quality;
        ShareTables = shareTables;
        _tables = new Lazy<byte[]>(ComputeTables);
    }

    public int Quality { get; }

    /// <summary>False writes every tile as a complete JFIF stream (no JPEGTables tag).</summary>
    public bool ShareTables { get; }

    public override ushort Photometric =>
        Format.SamplesPerPixel == 1 ? TiffConstants.PhotometricMinIsBlack : TiffConstants.PhotometricYCbCr;

    public override (ushort Horizontal, ushort Vertical)? YCbCrSubsampling =>
        Format.SamplesPerPixel == 1 ? null : ((ushort)2, (ushort)2);

    public override byte[]? JpegTables => ShareTables ? _tables.Value : null;

    public sealed override ITileEncoder Create()
    {
        var inner = CreateFullStreamEncoder();
        if (!ShareTables)
        {
            return inner;
        }

        return inner is IStridedTileEncoder strided
            ? new StridedAbbreviatingEncoder(strided, _tables.Value)
            : new AbbreviatingEncoder(inner, _tables.Value);
    }

    /// <summary>An encoder writing complete JFIF streams (SOI, tables, frame, scan, EOI).</summary>
    protected abstract ITileEncoder CreateFullStreamEncoder();

    private byte[] ComputeTables()
    {
        using var encoder = CreateFullStreamEncoder();
        // Mid-grey: any content gives the same tables with standard Huffman coding.
        byte[] pixels = new byte[Format.ByteCount];
        pixels.AsSpan().Fill(128);
        byte[] output = new byte[encoder.MaxEncodedLength];
        int length = encoder.Encode(pixels, output);
        return JpegTablesSplitter.ExtractTables(output.AsSpan(0, length));
    }

    private class AbbreviatingEncoder(ITileEncoder inner, byte[] tables) : ITileEncoder
    {
        protected byte[] Tables => tables;

        public int MaxEncodedLength => inner.MaxEncodedLength;

        public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination) =>
            JpegTablesSplitter.Abbreviate(destination, inner.Encode(pixels, destination), tables);

        public void Dispose() => inner.Dispose();
    }

    private sealed class StridedAbbreviatingEncoder(IStridedTileEncoder inner, byte[] tables)
        : AbbreviatingEncoder(inner, tables), IStridedTileEncoder
    {
        private readonly IStridedTileEncoder _strided = inner;

        public int Encode(ReadOnlySpan<byte> pixels, int rowPitch, Span<byte> destination) =>
            JpegTablesSplitter.Abbreviate(destination, _strided.Encode(pixels, rowPitch, destination), Tables);
    }
}
