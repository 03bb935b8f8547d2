using BtfConvert.Core.IO;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Source;

/// <summary>
/// Delivers the main image's plain strips as rows in order with one pass of large reads: the strip planner of the
/// <see cref="ReadAheadEngine{TPart}"/>. Consecutive rows that are adjacent in the file (the usual case: strips stored
/// in order) are coalesced into runs of the window's read size, planned as they are needed so that a split takes effect
/// at once; strips stored out of order are still read once each, in image order. A run is read straight into the
/// target's band when the target offers that memory (runs never cross a band boundary, so each fits one band); a run
/// whose band is still being encoded, or that is delivered bottom-up, goes through a pooled buffer and a row copy, as
/// do all rows when the target offers no memory.
/// </summary>
internal static class StripReader
{
    /// <summary>A run of whole rows that are contiguous in the file; <paramref name="Reversed"/>: delivered last row first.</summary>
    internal readonly record struct RowRun(int FirstRow, int RowCount, long FileOffset, bool Reversed = false);

    /// <summary>
    /// Splits the image into runs of adjacent rows of at most <paramref name="maxBytes"/> (at least one row), in image
    /// order, none crossing a multiple of <paramref name="bandRows"/> (0: no such limit), or with
    /// <paramref name="bottomUp"/> from the last row to the first (Orientation 3 and 4).
    /// </summary>
    public static IEnumerable<RowRun> PlanReads(SourceImage image, int maxBytes, bool bottomUp = false, int bandRows = 0) =>
        PlanReads(image, () => maxBytes, bottomUp, bandRows);

    /// <summary>As above, with the size asked again for each run (the read-ahead window may split reads as it goes).</summary>
    public static IEnumerable<RowRun> PlanReads(SourceImage image, Func<int> maxBytes, bool bottomUp = false, int bandRows = 0) =>
        bottomUp ? PlanReadsBottomUp(image, maxBytes) : PlanReadsTopDown(image, maxBytes, bandRows);

    private static IEnumerable<RowRun> PlanReadsTopDown(SourceImage image, Func<int> maxBytes, int bandRows)
    {
        int rowBytes = image.RowBytes;
        int maxRows = Math.Max(1, maxBytes() / rowBytes);
        int first = 0;
        long firstOffset = image.RowOffset(0);
        for (int y = 1; y <= image.Height; y++)
        {
            int count = y - first;
            bool end = y == image.Height;
            long offset = end ? 0 : image.RowOffset(y);
            if (end || count == maxRows || offset != firstOffset + ((long)count * rowBytes) || (bandRows > 0 && y % bandRows == 0))
            {
                yield return new RowRun(first, count, firstOffset);
                first = y;
                firstOffset = offset;
                maxRows = Math.Max(1, maxBytes() / rowBytes);
            }
        }
    }

    /// <summary>Runs from the bottom row up: rows whose stored order is adjacent in the file still make one read each run.</summary>
    private static IEnumerable<RowRun> PlanReadsBottomUp(SourceImage image, Func<int> maxBytes)
    {
        int rowBytes = image.RowBytes;
        int maxRows = Math.Max(1, maxBytes() / rowBytes);
        int last = image.Height - 1;
        long lowOffset = image.RowOffset(last);
        for (int y = last - 1; y >= -1; y--)
        {
            int count = last - y;
            long offset = y < 0 ? 0 : image.RowOffset(y);
            if (y < 0 || count == maxRows || offset != lowOffset - rowBytes)
            {
                yield return new RowRun(y + 1, count, lowOffset, Reversed: true);
                last = y;
                maxRows = Math.Max(1, maxBytes() / rowBytes);
            }

            lowOffset = offset;
        }
    }

    /// <summary>
    /// Reads every row into <paramref name="target"/>, committing or pushing rows in order on the calling thread
    /// (which may block for back-pressure). <paramref name="onProgress"/> is called after each run with rows done
    /// and bytes read. The <see cref="ReadAheadEngine{TPart}"/> decides how many runs are read ahead, following
    /// <paramref name="policy"/>.
    /// </summary>
    public static void ReadRows(IByteSource source, SourceImage image, ReadAheadPolicy policy,
        IRowTarget target, Action<long, long>? onProgress, CancellationToken cancellationToken,
        StageTimings? timings = null, bool bottomUp = false)
    {
        int rowBytes = image.RowBytes;
        var planner = new Planner(image, target, bottomUp);
        // Reads into the next band need no buffer: the window may hold a band more than its buffers. At the real
        // slide's width a band (256 rows, 34.6 MB) is more than 16 reads of 2 MiB; a window smaller than a band plus
        // the flush left the converter waiting one read's latency per band (30 ms / 20 MB/s: 124 MB/s).
        using var engine = new ReadAheadEngine<RowRun>(source, policy, planner, cancellationToken, timings,
            smallestRead: rowBytes, inPlaceBytes: (long)target.BandRows * rowBytes);
        int rowsDone = 0;
        while (true)
        {
            engine.Fill();
            if (engine.NextInOrder() is not { } read)
            {
                break;
            }

            var run = read.Part;
            if (read.InPlace)
            {
                target.CommitRows(run.FirstRow, run.RowCount);
            }
            else
            {
                var data = read.Data.Span;
                for (int i = 0; i < run.RowCount; i++)
                {
                    int r = run.Reversed ? run.RowCount - 1 - i : i;
                    target.PushRow(data.Slice(r * rowBytes, rowBytes));
                }
            }

            engine.Release(read);
            rowsDone += run.RowCount;
            onProgress?.Invoke(rowsDone, engine.BytesRead);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Plans the runs at the window's read size as they are needed, each read straight into the target's band when it
    /// offers that memory (runs never cross a band boundary, so each fits one band).
    /// </summary>
    private sealed class Planner(SourceImage image, IRowTarget target, bool bottomUp) : IReadPlanner<RowRun>
    {
        private readonly bool _targetOffersMemory = target is not PushOnly;
        private IEnumerator<RowRun>? _runs;
        private int _readSize;
        private RowRun? _next;

        public bool TryPeek(int readSize, out PlannedRead<RowRun> read)
        {
            _readSize = readSize;
            _runs ??= PlanReads(image, () => _readSize, bottomUp, target.BandRows).GetEnumerator();
            _next ??= _runs.MoveNext() ? _runs.Current : null;
            if (_next is not { } run)
            {
                read = default;
                return false;
            }

            int length = run.RowCount * image.RowBytes;
            // A bottom-up run arrives last row first: it cannot be read into place.
            var inPlace = run.Reversed || !_targetOffersMemory ? Memory<byte>.Empty : target.TryReserveRows(run.FirstRow, run.RowCount);
            read = new PlannedRead<RowRun>(run, run.FileOffset, length, inPlace, PlaceBusy: inPlace.IsEmpty && !run.Reversed && _targetOffersMemory);
            return true;
        }

        public void Advance() => _next = null;
    }

    /// <summary>A target that only takes pushed rows (through <paramref name="onRow"/>: a flip, say) and offers no memory.</summary>
    internal sealed class PushOnly(Action<ReadOnlySpan<byte>> onRow, int bandRows) : IRowTarget
    {
        public int BandRows => bandRows;

        public Memory<byte> TryReserveRows(int firstRow, int count) => Memory<byte>.Empty;

        public void CommitRows(int firstRow, int count) =>
            throw new InvalidOperationException("rows were committed to a target that offered no memory");

        public void PushRow(ReadOnlySpan<byte> row) => onRow(row);
    }
}
