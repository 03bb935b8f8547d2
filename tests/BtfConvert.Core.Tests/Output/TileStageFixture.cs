using System.Buffers;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Output;
using BtfConvert.Core.Pyramid;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;
using BtfConvert.Core.Tiff.Writing;

namespace BtfConvert.Core.Tests.Output;

/// <summary>
/// A tiny grayscale output (16×16 tiles, 48×32 pixels: 6 level-0 tiles, 1 level-1 tile) for testing the tile
/// stages one at a time. Tiles are "encoded" uncompressed, so a tile's bytes are its pixels: a tile filled with
/// value v is 256 bytes of v, and the written body shows which tile went where.
/// </summary>
internal sealed class TileStageFixture
{
    public const int Tile = 16;
    public static readonly TileFormat Format = new(Tile, Tile, 1);

    private TileStageFixture(OutputLayout layout, MemoryByteSink sink)
    {
        Layout = layout;
        Sink = sink;
    }

    public OutputLayout Layout { get; }
    public MemoryByteSink Sink { get; }
    public static ITileEncoderFactory Encoder { get; } = new UncompressedTileEncoder.Factory(Format);

    public static async Task<TileStageFixture> CreateAsync()
    {
        const int width = 48, height = 32;
        var pixels = new byte[width * height];
        var ifd = new IfdSpec()
            .Set(TiffTag.ImageWidth, TiffValue.Long(width))
            .Set(TiffTag.ImageLength, TiffValue.Long(height))
            .Set(TiffTag.BitsPerSample, TiffValue.Short(8))
            .Set(TiffTag.Photometric, TiffValue.Short(TiffConstants.PhotometricMinIsBlack))
            .Set(TiffTag.RowsPerStrip, TiffValue.Long(height))
            .Set(TiffTag.StripOffsets, TiffValue.PointerTo(pixels, isIfd: false))
            .Set(TiffTag.StripByteCounts, TiffValue.Long((uint)pixels.Length));
        var source = new MemoryByteSource("stage.tif", new TiffHeadWriter(false, [ifd], [pixels]).Write());
        var info = await SourceInspector.InspectAsync(source, CancellationToken.None);
        var layout = OutputLayout.Create(info, PyramidPlan.Create(width, height, Tile, Tile), Encoder, bigTiff: false, null, "stage",
            overviewMaxPixels: 0); // no overview held back: these tests follow each tile from submission to the sink
        var sink = new MemoryByteSink("stage.tiff");
        await sink.OpenAsync(layout.Head.Length, 0, CancellationToken.None);
        return new TileStageFixture(layout, sink);
    }

    /// <summary>A whole tile filled with <paramref name="value"/>, in its own buffer.</summary>
    public static TileView TileOf(byte value) => TileView.Packed(BytesOf(value), Format);

    /// <summary>A pooled buffer of one tile's size filled with <paramref name="value"/>, as an encoder hands it over.</summary>
    public static byte[] BytesOf(byte value)
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(Format.ByteCount);
        bytes.AsSpan(0, Format.ByteCount).Fill(value);
        return bytes;
    }

    /// <summary>Writes the head with the offsets recorded so far, as the converter does after the last tile.</summary>
    public ValueTask CommitAsync() => Sink.CommitAsync(Layout.Head.Write(), CancellationToken.None);

    /// <summary>The committed body: the fill value of each tile in the order they were appended.</summary>
    public byte[] WrittenTileValues() =>
        [.. Sink.Committed!.Skip(Layout.Head.Length).Chunk(Format.ByteCount).Select(tile => tile[0])];

    /// <summary>(offset, byte count) of every tile of <paramref name="level"/>, read back from the committed head.</summary>
    public async Task<(ulong Offset, ulong Count)[]> RecordedTilesAsync(int level)
    {
        var file = await TiffFileReader.ReadAsync(new CachedReader(new MemoryByteSource("stage.tiff", Sink.Committed!)), default);
        var dir = file.Directories[level];
        return [.. dir[TiffTag.TileOffsets]!.GetUInt64Array().Zip(dir[TiffTag.TileByteCounts]!.GetUInt64Array())];
    }

    /// <summary>Where the n-th tile appended to the body starts.</summary>
    public ulong OffsetOfAppended(int n) => (ulong)(Layout.Head.Length + (n * Format.ByteCount));
}
