using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Tests.Pyramid;

public class PyramidStreamingTests
{
    private sealed class CountingSink : ITileSink
    {
        public List<(int Level, int Index)> Tiles { get; } = [];

        public CancellationToken Token => CancellationToken.None;

        public void Submit(int level, int tileIndex, TileView tile)
        {
            Tiles.Add((level, tileIndex));
            tile.Release();
        }
    }

    private static (PyramidBuilder Pyramid, CountingSink Sink, long Allocated) Run(int width, int height)
    {
        var sink = new CountingSink();
        var row = new byte[width * 3];
        var pyramid = new PyramidBuilder(PyramidPlan.Create(width, height, 256, 256), 3, sink);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int y = 0; y < height; y++)
        {
            row.AsSpan().Fill((byte)y);
            pyramid.Top.PushRow(row);
        }

        return (pyramid, sink, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Memory_held_does_not_grow_with_image_height()
    {
        var short_ = Run(2000, 600);
        var tall = Run(2000, 60000);
        Assert.True(short_.Pyramid.IsComplete && tall.Pyramid.IsComplete);
        // Two bands per level (one filling, one being encoded): about four level-0 bands, whatever the height.
        long band0 = 2000L * 256 * 3;
        Assert.InRange(short_.Pyramid.BufferBytes, 2 * band0, 4 * band0);
        Assert.InRange(tall.Pyramid.BufferBytes, 2 * band0, 4 * band0);
        // Streaming 100x more rows allocates nothing per row: only the tile list of the counting sink grows.
        Assert.True(tall.Allocated < 8L << 20, $"allocated {tall.Allocated} bytes while streaming 60000 rows");
    }

    [Fact]
    public void Every_tile_of_every_level_is_emitted_once_in_band_order()
    {
        var (pyramid, sink, _) = Run(1000, 777);
        var expected = pyramid.Plan.Levels.SelectMany((l, i) => Enumerable.Range(0, l.TileCount).Select(t => (i, t)));
        Assert.Equal(expected.OrderBy(x => x), sink.Tiles.OrderBy(x => x));
        Assert.Equal(sink.Tiles.Count, sink.Tiles.Distinct().Count());
        // Level 0's first band comes before anything of level 1.
        Assert.Equal((0, 0), sink.Tiles[0]);
    }
}
