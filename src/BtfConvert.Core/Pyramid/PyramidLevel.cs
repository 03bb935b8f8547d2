using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace BtfConvert.Core.Pyramid;

/// <summary>
/// One level of the push-driven chain (after libvips' vips2tiff.c): it holds a single band of tile-height rows.
/// When the band is full, its tiles go to the sink and its rows are shrunk 2×2 into the band of the level
/// <see cref="Below"/>, so the whole pyramid needs about two level-0 bands of memory whatever the image height.
/// </summary>
internal sealed class PyramidLevel
{
    private readonly byte[] _band;
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
        _band = new byte[(long)RowBytes * size.TileHeight];
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

    /// <summary>Bytes this level holds (for memory accounting and tests).</summary>
    public long BufferBytes => _band.LongLength;

    /// <summary>True once every row of the level has arrived and been flushed.</summary>
    public bool IsComplete => _rowsReceived == Size.Height && _rowsInBand == 0;

    /// <summary>The span to fill with the next row; call <see cref="CommitRow"/> after filling it.</summary>
    public Span<byte> NextRow()
    {
        if (_rowsReceived >= Size.Height)
        {
            throw new InvalidOperationException($"level {Index} received more than its {Size.Height} rows");
        }

        return _band.AsSpan(_rowsInBand * RowBytes, RowBytes);
    }

    public void CommitRow()
    {
        _rowsInBand++;
        _rowsReceived++;
        if (_rowsInBand == Size.TileHeight || _rowsReceived == Size.Height)
        {
            FlushBand();
        }
    }

    /// <summary>Copies one row in (the row must be <see cref="RowBytes"/> long).</summary>
    public void PushRow(ReadOnlySpan<byte> row)
    {
        long start = Stopwatch.GetTimestamp();
        row[..RowBytes].CopyTo(NextRow());
        _timings?.AddRowCopy(Stopwatch.GetTimestamp() - start);
        CommitRow();
    }

    /// <summary>
    /// A band is full (tile-height rows, or fewer at the bottom of the level). As in vips2tiff's
    /// <c>layer_strip_arrived</c>:
    /// 1. cut the band into a row of tiles and hand them to the sink (edges replicated);
    /// 2. shrink its row pairs 2×2 into <see cref="Below"/>'s band — each committed row there may fill that band
    ///    and recurse through these steps one level down;
    /// 3. start an empty band here (the next band's tiles are numbered one tile row further).
    /// </summary>
    private void FlushBand()
    {
        EmitTiles();
        if (Below is not null)
        {
            ShrinkInto(Below);
        }

        _rowsInBand = 0;
        _bandIndex++;
    }

    private void ShrinkInto(PyramidLevel below)
    {
        // Pairs of rows make one row below; an odd last row is dropped (floor halving).
        int pairs = Math.Min(_rowsInBand / 2, below.Size.Height - below.RowsReceived);
        long start = Stopwatch.GetTimestamp();
        for (int p = 0; p < pairs; p++)
        {
            var row0 = _band.AsSpan(2 * p * RowBytes, RowBytes);
            var row1 = _band.AsSpan(((2 * p) + 1) * RowBytes, RowBytes);
            BoxDownsampler.DownsampleRows(row0, row1, below.NextRow(), Size.Width, SamplesPerPixel);
            long committing = Stopwatch.GetTimestamp();
            _timings?.AddDownsample(committing - start);
            below.CommitRow();
            // The level below's flush (its own cut and shrink) is timed by that level.
            start = Stopwatch.GetTimestamp();
        }
    }

    // Hot loop from the first band on; see BoxDownsampler.DownsampleRows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmitTiles()
    {
        int tileW = Size.TileWidth, tileH = Size.TileHeight, spp = SamplesPerPixel;
        int tileRowBytes = tileW * spp;
        int tileBytes = tileRowBytes * tileH;
        for (int tx = 0; tx < Size.TilesAcross; tx++)
        {
            long start = Stopwatch.GetTimestamp();
            byte[] tile = ArrayPool<byte>.Shared.Rent(tileBytes);
            int x0 = tx * tileW;
            int copyPixels = Math.Min(tileW, Size.Width - x0);
            int copyBytes = copyPixels * spp;
            for (int y = 0; y < tileH; y++)
            {
                // Rows below the image repeat the last real row; columns right of it repeat the last column,
                // so JPEG blocks at the edge carry no false contrast.
                int sourceRow = Math.Min(y, _rowsInBand - 1);
                var src = _band.AsSpan((sourceRow * RowBytes) + (x0 * spp), copyBytes);
                var dst = tile.AsSpan(y * tileRowBytes, tileRowBytes);
                src.CopyTo(dst);
                if (copyPixels < tileW)
                {
                    var last = src[^spp..];
                    for (int x = copyPixels; x < tileW; x++)
                    {
                        last.CopyTo(dst[(x * spp)..]);
                    }
                }
            }

            _timings?.AddTileCut(Stopwatch.GetTimestamp() - start);
            _sink.Submit(Index, (_bandIndex * Size.TilesAcross) + tx, tile);
        }
    }
}
