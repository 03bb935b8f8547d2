using System.Diagnostics;

namespace BtfConvert.Core.Pyramid;

/// <summary>
/// One level of the push-driven chain (after libvips' vips2tiff.c): it fills a band of tile-height rows. When the
/// band is full, its tiles go to the sink as views into the band (the encoders read them in place) and its rows are
/// shrunk 2×2 into the band of the level <see cref="Below"/>. Each level has <see cref="BandCount"/> bands: the next
/// one fills while the encoders still read the last, so the whole pyramid needs about four level-0 bands of memory
/// whatever the image height. Rows arrive pushed (a copy) or read straight into the band (<see cref="IRowTarget"/>).
/// </summary>
internal sealed class PyramidLevel : IRowTarget
{
    /// <summary>Two: one filling, one whose tiles are being encoded; a third would only add memory (the producer
    /// already waits on the encoders' queue while it hands out a band's tiles).</summary>
    public const int BandCount = 2;

    private readonly PixelBand[] _bands;
    private readonly ITileSink _sink;
    private readonly StageTimings? _timings;
    private int _rowsInBand;
    private int _rowsReceived;
    private int _bandIndex;

    public PyramidLevel(int index, LevelSize size, int samplesPerPixel, ITileSink sink, PyramidLevel? below,
        StageTimings? timings = null)
    {
        Index = index;
        Size = size;
        SamplesPerPixel = samplesPerPixel;
        RowBytes = size.Width * samplesPerPixel;
        long bandBytes = (long)RowBytes * size.TileHeight;
        _bands = [new PixelBand(bandBytes), new PixelBand(bandBytes)];
        _bands[0].Acquire(CancellationToken.None);
        _sink = sink;
        _timings = timings;
        Below = below;
    }

    public int Index { get; }
    public LevelSize Size { get; }
    public int SamplesPerPixel { get; }
    public int RowBytes { get; }
    /// <summary>The next smaller level, which this one's shrunk rows feed; null for the last (smallest) level.</summary>
    public PyramidLevel? Below { get; }

    public int RowsReceived => _rowsReceived;

    public int BandRows => Size.TileHeight;

    /// <summary>Bytes this level holds (for memory accounting and tests).</summary>
    public long BufferBytes => _bands.Sum(b => b.Pixels.LongLength);

    /// <summary>True once every row of the level has arrived and been flushed.</summary>
    public bool IsComplete => _rowsReceived == Size.Height && _rowsInBand == 0;

    private PixelBand Band => _bands[_bandIndex % BandCount];

    /// <summary>The span to fill with the next row; call <see cref="CommitRow"/> after filling it.</summary>
    public Span<byte> NextRow()
    {
        CheckRoomFor(1);
        return Band.Pixels.AsSpan(_rowsInBand * RowBytes, RowBytes);
    }

    public void CommitRow() => Commit(1);

    /// <summary>Copies one row in (the row must be <see cref="RowBytes"/> long).</summary>
    public void PushRow(ReadOnlySpan<byte> row)
    {
        long start = Stopwatch.GetTimestamp();
        row[..RowBytes].CopyTo(NextRow());
        _timings?.AddRowCopy(Stopwatch.GetTimestamp() - start);
        CommitRow();
    }

    public Memory<byte> TryReserveRows(int firstRow, int count)
    {
        int band = firstRow / Size.TileHeight;
        bool oneBand = count > 0 && (firstRow + count - 1) / Size.TileHeight == band && firstRow + count <= Size.Height;
        // The band filling now, or the next one once the encoders are done with what it held before.
        bool available = firstRow >= _rowsReceived
            && (band == _bandIndex || (band == _bandIndex + 1 && _bands[band % BandCount].IsFree));
        return oneBand && available
            ? _bands[band % BandCount].Pixels.AsMemory(firstRow % Size.TileHeight * RowBytes, count * RowBytes)
            : Memory<byte>.Empty;
    }

    public void CommitRows(int firstRow, int count)
    {
        if (firstRow != _rowsReceived || _rowsInBand + count > Size.TileHeight)
        {
            throw new InvalidOperationException($"level {Index}: rows {firstRow}+{count} committed out of order (next is {_rowsReceived})");
        }

        CheckRoomFor(count);
        Commit(count);
    }

    private void CheckRoomFor(int rows)
    {
        if (_rowsReceived + rows > Size.Height)
        {
            throw new InvalidOperationException($"level {Index} received more than its {Size.Height} rows");
        }
    }

    private void Commit(int rows)
    {
        _rowsInBand += rows;
        _rowsReceived += rows;
        if (_rowsInBand == Size.TileHeight || _rowsReceived == Size.Height)
        {
            FlushBand();
        }
    }

    /// <summary>
    /// A band is full (tile-height rows, or fewer at the bottom of the level). As in vips2tiff's
    /// <c>layer_strip_arrived</c>:
    /// 1. hand its row of tiles to the sink, each a view into the band (which stays held until they are encoded);
    /// 2. shrink its row pairs 2×2 into <see cref="Below"/>'s band — each committed row there may fill that band
    ///    and recurse through these steps one level down;
    /// 3. start filling the other band here, once the encoders are done with it (the next band's tiles are
    ///    numbered one tile row further).
    /// </summary>
    private void FlushBand()
    {
        var band = Band;
        EmitTiles(band);
        if (Below is not null)
        {
            ShrinkInto(Below);
        }

        _rowsInBand = 0;
        _bandIndex++;
        band.Release();
        if (_rowsReceived < Size.Height)
        {
            long start = Stopwatch.GetTimestamp();
            Band.Acquire(_sink.Token);
            _timings?.AddSubmitWait(Stopwatch.GetTimestamp() - start);
        }
    }

    private void ShrinkInto(PyramidLevel below)
    {
        // Pairs of rows make one row below; an odd last row is dropped (floor halving).
        int pairs = Math.Min(_rowsInBand / 2, below.Size.Height - below.RowsReceived);
        var pixels = Band.Pixels;
        long start = Stopwatch.GetTimestamp();
        for (int p = 0; p < pairs; p++)
        {
            var row0 = pixels.AsSpan(2 * p * RowBytes, RowBytes);
            var row1 = pixels.AsSpan(((2 * p) + 1) * RowBytes, RowBytes);
            BoxDownsampler.DownsampleRows(row0, row1, below.NextRow(), Size.Width, SamplesPerPixel);
            long committing = Stopwatch.GetTimestamp();
            _timings?.AddDownsample(committing - start);
            below.CommitRow();
            // The level below's flush (its own tiles and shrink) is timed by that level.
            start = Stopwatch.GetTimestamp();
        }
    }

    private void EmitTiles(PixelBand band)
    {
        int tileW = Size.TileWidth;
        for (int tx = 0; tx < Size.TilesAcross; tx++)
        {
            int x0 = tx * tileW;
            var tile = new TileView(band.Pixels, x0 * SamplesPerPixel, RowBytes, Math.Min(tileW, Size.Width - x0), _rowsInBand, band);
            band.Hold();
            _sink.Submit(Index, (_bandIndex * Size.TilesAcross) + tx, tile);
        }
    }
}
