using BtfConvert.Core.Encoding;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Tests.Pyramid;

/// <summary>
/// The zero-copy producer's level: rows read straight into a band, tiles handed out as views into it, and a band
/// never refilled (nor offered to a reader) while a tile taken from it is not yet encoded.
/// </summary>
public class PyramidInPlaceTests
{
    private static readonly TileFormat Gray4 = new(4, 4, 1);

    /// <summary>Keeps every tile view (as encoders still at work would) until told to release them.</summary>
    private sealed class HoldingSink : ITileSink
    {
        private readonly List<TileView> _held = [];

        public List<(int Level, int Index, byte[] Pixels)> Tiles { get; } = [];

        public CancellationToken Token { get; init; } = CancellationToken.None;

        public bool Hold { get; set; } = true;

        public void Submit(int level, int tileIndex, TileView tile)
        {
            byte[] packed = new byte[16];
            tile.CopyTo(packed, Gray4);
            lock (_held)
            {
                Tiles.Add((level, tileIndex, packed));
                _held.Add(tile);
            }

            if (!Hold)
            {
                ReleaseAll();
            }
        }

        /// <summary>The held tiles' pixels as they are now in their bands.</summary>
        public List<byte[]> HeldPixels()
        {
            lock (_held)
            {
                return [.. _held.Select(t =>
                {
                    byte[] packed = new byte[16];
                    t.CopyTo(packed, Gray4);
                    return packed;
                })];
            }
        }

        public void ReleaseAll()
        {
            lock (_held)
            {
                _held.ForEach(t => t.Release());
                _held.Clear();
            }
        }
    }

    private static byte[] Row(int width, int y) => [.. Enumerable.Range(0, width).Select(x => (byte)((10 * y) + x))];

    [Fact]
    public void Rows_read_into_place_give_the_same_tiles_as_pushed_rows()
    {
        var plan = PyramidPlan.Create(10, 11, 4, 4);
        var pushed = new HoldingSink { Hold = false };
        var inPlace = new HoldingSink { Hold = false };
        var byPush = new PyramidBuilder(plan, 1, pushed);
        var byRead = new PyramidBuilder(plan, 1, inPlace);
        for (int y = 0; y < 11; y++)
        {
            byPush.Top.PushRow(Row(10, y));
        }

        // As the strip reader does: runs within one band, reserved ahead, committed in order.
        foreach (var (first, count) in new[] { (0, 3), (3, 1), (4, 4), (8, 3) })
        {
            var memory = byRead.Top.TryReserveRows(first, count);
            Assert.Equal(count * 10, memory.Length);
            for (int r = 0; r < count; r++)
            {
                Row(10, first + r).CopyTo(memory.Span[(r * 10)..]);
            }

            byRead.Top.CommitRows(first, count);
        }

        Assert.True(byRead.IsComplete);
        Assert.Equal(pushed.Tiles.Select(t => (t.Level, t.Index)), inPlace.Tiles.Select(t => (t.Level, t.Index)));
        Assert.All(pushed.Tiles.Zip(inPlace.Tiles), p => Assert.Equal(p.First.Pixels, p.Second.Pixels));
    }

    [Fact]
    public void Only_the_filling_band_and_a_free_next_band_are_offered_to_a_reader()
    {
        var sink = new HoldingSink();
        var level = new PyramidLevel(0, new LevelSize(8, 16, 4, 4), 1, sink, below: null);
        Assert.True(level.TryReserveRows(2, 3).IsEmpty); // crosses a band boundary
        Assert.False(level.TryReserveRows(0, 4).IsEmpty); // the band filling now
        Assert.False(level.TryReserveRows(4, 4).IsEmpty); // the next band, free
        Assert.True(level.TryReserveRows(8, 4).IsEmpty); // two bands ahead
        Assert.Throws<InvalidOperationException>(() => level.CommitRows(1, 2)); // not the next rows

        level.CommitRows(0, 4); // band 0 full: its tiles go out and stay held
        Assert.Equal(2, sink.Tiles.Count);
        Assert.True(level.TryReserveRows(8, 4).IsEmpty); // band 2 reuses band 0's memory, still being encoded
        sink.ReleaseAll();
        Assert.False(level.TryReserveRows(8, 4).IsEmpty);
    }

    [Fact]
    public async Task A_band_is_not_refilled_while_its_tiles_are_being_encoded()
    {
        var sink = new HoldingSink();
        var level = new PyramidLevel(0, new LevelSize(8, 12, 4, 4), 1, sink, below: null);
        for (int y = 0; y < 4; y++)
        {
            level.PushRow(Row(8, y));
        }

        var band0 = sink.HeldPixels();
        // Band 1 fills the other memory; band 2 needs band 0's, so the producer waits for its tiles.
        var producer = Task.Run(() =>
        {
            for (int y = 4; y < 12; y++)
            {
                level.PushRow(Row(8, y));
            }
        });
        var first = await Task.WhenAny(producer, Task.Delay(300));
        Assert.False(first == producer, "the level refilled a band whose tiles were still held");
        Assert.Equal(band0, sink.HeldPixels().Take(2));
        sink.ReleaseAll();
        await producer.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(level.IsComplete);
        Assert.Equal(sink.Tiles[0].Pixels, band0[0]);
        Assert.Equal([.. Enumerable.Range(0, 4).SelectMany(r => Row(8, 8 + r).Take(4))], sink.Tiles[4].Pixels);
    }

    [Fact]
    public async Task A_producer_waiting_for_a_band_stops_when_the_consumer_stops()
    {
        using var stop = new CancellationTokenSource();
        var sink = new HoldingSink { Token = stop.Token };
        var level = new PyramidLevel(0, new LevelSize(8, 12, 4, 4), 1, sink, below: null);
        var producer = Task.Run(() =>
        {
            for (int y = 0; y < 12; y++)
            {
                level.PushRow(Row(8, y));
            }
        });
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => producer);
    }
}
