using BtfConvert.Core.IO;
using BtfConvert.Core.Tiff;
using BtfConvert.Core.Tiff.Writing;

namespace BtfConvert.Core.Tests.Tiff;

public class TiffHeadWriterTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Written_directories_read_back_with_all_values(bool bigTiff)
    {
        var offsets = new long[] { 0, 0, 0 };
        var counts = new long[] { 0, 0, 0 };
        var exif = new IfdSpec().Set(33434, TiffValue.Rational((103, 50000)));
        var blob = new byte[] { 1, 2, 3, 4, 5 };
        var first = new IfdSpec()
            .Set(TiffTag.ImageWidth, TiffValue.Long(700))
            .Set(TiffTag.BitsPerSample, TiffValue.Short(8, 8, 8))
            .Set(TiffTag.ImageDescription, TiffValue.Ascii("hello pyramid"))
            .Set(TiffTag.TileOffsets, TiffValue.Offsets(offsets))
            .Set(TiffTag.TileByteCounts, TiffValue.ByteCounts(counts))
            .SetExif(exif);
        var second = new IfdSpec()
            .Set(TiffTag.ImageWidth, TiffValue.Long(27))
            .Set(TiffTag.StripOffsets, TiffValue.PointerTo(blob, isIfd: false));
        var writer = new TiffHeadWriter(bigTiff, [first, second], [blob]);
        byte[] reserved = writer.Write();
        offsets[0] = 1000;
        offsets[1] = 2000;
        offsets[2] = 3000;
        counts[2] = 77;
        byte[] head = writer.Write();
        Assert.Equal(reserved.Length, head.Length);
        Assert.Equal(0, head.Length % 16);

        var file = await TiffFileReader.ReadAsync(new CachedReader(new MemoryByteSource("head", head)), default);
        Assert.Equal(bigTiff, file.Header.IsBigTiff);
        Assert.Equal(2, file.Directories.Count);
        var d0 = file.Directories[0];
        Assert.Equal(700, d0.Width);
        Assert.Equal("hello pyramid", d0.GetString(TiffTag.ImageDescription));
        Assert.Equal([1000UL, 2000UL, 3000UL], d0[TiffTag.TileOffsets]!.GetUInt64Array());
        Assert.Equal([0UL, 0UL, 77UL], d0[TiffTag.TileByteCounts]!.GetUInt64Array());
        Assert.Equal([8UL, 8UL, 8UL], d0[TiffTag.BitsPerSample]!.GetUInt64Array());
        Assert.NotNull(d0.Exif);
        Assert.Equal(103.0 / 50000, d0.Exif![33434]!.GetRational(), 9);
        var blobAt = (int)file.Directories[1].GetUInt64(TiffTag.StripOffsets)!.Value;
        Assert.Equal(blob, head.AsSpan(blobAt, blob.Length).ToArray());
    }

    [Fact]
    public void Every_ifd_comes_before_the_tile_arrays_which_follow_smallest_level_first()
    {
        // The real slide's level sizes in tiles (45056x40448, 256-pixel tiles): level 0's arrays are 330 KB.
        int[] tiles = [27808, 6952, 1738, 442, 110, 30, 9, 2, 1];
        var chain = tiles.Select(n => new IfdSpec()
            .Set(TiffTag.ImageWidth, TiffValue.Long(1))
            .Set(TiffTag.ImageDescription, TiffValue.Ascii(new string('d', 300)))
            .Set(TiffTag.TileOffsets, TiffValue.Offsets(new long[n]))
            .Set(TiffTag.TileByteCounts, TiffValue.ByteCounts(new long[n]))).ToList();
        var writer = new TiffHeadWriter(bigTiff: true, chain, []);
        long lastIfd = chain.Max(writer.PositionOf);
        // (The one-tile level's offset fits in its entry.)
        var arrays = chain.SkipLast(1).Select(ifd => writer.PositionOf(ifd.Entries[TiffTag.TileOffsets])).ToList();
        // GDAL's first read of a remote file is 16 KB: every directory, and the overview's arrays, lie in it.
        Assert.True(lastIfd < 4096, $"last IFD at {lastIfd}");
        Assert.All(arrays, a => Assert.True(a > lastIfd));
        Assert.Equal(arrays.OrderByDescending(a => a), arrays);
        Assert.True(writer.PositionOf(chain[^3].Entries[TiffTag.TileByteCounts]) < 16384);
    }

    [Fact]
    public void Entries_are_sorted_by_tag_as_TIFF_requires()
    {
        var ifd = new IfdSpec().Set(TiffTag.Software, TiffValue.Ascii("b")).Set(TiffTag.ImageWidth, TiffValue.Long(1));
        Assert.Equal([TiffTag.ImageWidth, TiffTag.Software], ifd.Entries.Keys);
    }

    [Fact]
    public void Classic_tiff_refuses_offsets_past_4GiB_with_advice()
    {
        var offsets = new long[] { 5L << 30 };
        var writer = new TiffHeadWriter(false, [new IfdSpec().Set(TiffTag.TileOffsets, TiffValue.Offsets(offsets))], []);
        var e = Assert.Throws<InvalidOperationException>(writer.Write);
        Assert.Contains("--bigtiff yes", e.Message, StringComparison.Ordinal);
    }
}
