using BtfConvert.Core.Encoding;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Tests.Pyramid;

/// <summary>
/// One level of the chain at a time, with tiny tiles (4×4 grayscale) whose every pixel can be checked: how a band
/// is cut (numbering, edge replication), how it is shrunk into the level below, and when it flushes.
/// </summary>
public class PyramidLevelTests
{
    private sealed class RecordingSink : ITileSink
    {
        public List<(int Level, int Index, byte[] Pixels)> Tiles { get; } = [];

        public CancellationToken Token => CancellationToken.None;

        public void Submit(int level, int tileIndex, TileView tile)
        {
            byte[] packed = new byte[16];
            tile.CopyTo(packed, new TileFormat(4, 4, 1));
            Tiles.Add((level, tileIndex, packed));
            tile.Release();
        }
    }

    private static LevelSize Size(int width, int height) => new(width, height, 4, 4);

    /// <summary>Pushes rows whose pixel (x, y) is 10·y + x.</summary>
    private static void PushRows(PyramidLevel level, int rows)
    {
        for (int y = 0; y < rows; y++)
        {
            level.PushRow(Enumerable.Range(0, level.Size.Width).Select(x => (byte)((10 * y) + x)).ToArray());
        }
    }

    [Fact]
    public void A_band_is_cut_only_when_it_is_full_and_tiles_are_numbered_band_by_band()
    {
        var sink = new RecordingSink();
        var level = new PyramidLevel(0, Size(8, 8), 1, sink, below: null);
        PushRows(level, 3);
        Assert.Empty(sink.Tiles);
        PushRows(level, 1);
        Assert.Equal([(0, 0), (0, 1)], sink.Tiles.Select(t => (t.Level, t.Index)));
        level.PushRow(new byte[8]);
        level.PushRow(new byte[8]);
        level.PushRow(new byte[8]);
        level.PushRow(new byte[8]);
        Assert.Equal([(0, 0), (0, 1), (0, 2), (0, 3)], sink.Tiles.Select(t => (t.Level, t.Index)));
        Assert.True(level.IsComplete);
    }

    [Fact]
    public void Edge_tiles_repeat_the_last_column_and_the_last_row()
    {
        var sink = new RecordingSink();
        var level = new PyramidLevel(0, Size(6, 3), 1, sink, below: null);
        PushRows(level, 3); // the level's last row flushes the short band
        Assert.Equal(2, sink.Tiles.Count);
        byte[] inner =
        [
            0, 1, 2, 3,
            10, 11, 12, 13,
            20, 21, 22, 23,
            20, 21, 22, 23, // row 3 repeats row 2
        ];
        byte[] edge =
        [
            4, 5, 5, 5,     // columns 6 and 7 repeat column 5
            14, 15, 15, 15,
            24, 25, 25, 25,
            24, 25, 25, 25,
        ];
        Assert.Equal(inner, sink.Tiles[0].Pixels);
        Assert.Equal(edge, sink.Tiles[1].Pixels);
    }

    [Fact]
    public void A_flushed_band_is_shrunk_2x2_into_the_level_below_with_rounded_averages()
    {
        var sink = new RecordingSink();
        var below = new PyramidLevel(1, Size(2, 2), 1, sink, below: null);
        var top = new PyramidLevel(0, Size(4, 4), 1, sink, below);
        Assert.Same(below, top.Below);
        PushRows(top, 4);
        Assert.Equal(2, below.RowsReceived);
        Assert.True(top.IsComplete && below.IsComplete);
        var shrunk = sink.Tiles.Single(t => t.Level == 1).Pixels;
        // (0+1+10+11+2)>>2 = 6, (2+3+12+13+2)>>2 = 8, (20+21+30+31+2)>>2 = 26, (22+23+32+33+2)>>2 = 28
        Assert.Equal(new byte[] { 6, 8, 8, 8, 26, 28, 28, 28, 26, 28, 28, 28, 26, 28, 28, 28 }, shrunk);
    }

    [Fact]
    public void An_odd_last_row_is_dropped_by_the_floor_halving()
    {
        var sink = new RecordingSink();
        var below = new PyramidLevel(1, Size(2, 2), 1, sink, below: null);
        var top = new PyramidLevel(0, Size(5, 5), 1, sink, below);
        PushRows(top, 5);
        Assert.Equal(2, below.RowsReceived);
        Assert.True(top.IsComplete && below.IsComplete);
        // Level 0: 2×2 tiles; level 1: one tile, cut when its 2 rows arrived (with the first level-0 band).
        Assert.Equal([(0, 0), (0, 1), (1, 0), (0, 2), (0, 3)], sink.Tiles.Select(t => (t.Level, t.Index)));
    }

    [Fact]
    public void A_row_past_the_level_height_is_refused()
    {
        var level = new PyramidLevel(0, Size(4, 2), 1, new RecordingSink(), below: null);
        PushRows(level, 2);
        var e = Assert.Throws<InvalidOperationException>(() => level.NextRow());
        Assert.Equal("level 0 received more than its 2 rows", e.Message);
    }

    [Fact]
    public void A_level_holds_two_bands_of_tile_height_rows()
    {
        var level = new PyramidLevel(0, new LevelSize(1000, 60000, 256, 256), 3, new RecordingSink(), below: null);
        Assert.Equal(2 * 1000L * 3 * 256, level.BufferBytes);
    }
}
