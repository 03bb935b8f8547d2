using System.Buffers;
using System.Numerics;
using BtfConvert.Core.IO;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Source;

/// <summary>
/// Delivers the main image's rows in order with one pass of large reads: consecutive rows that are adjacent in the
/// file (the usual case: strips stored in order) are coalesced into reads of about the source's preferred size, and
/// a bounded number of reads run ahead of the consumer. How many is decided by <see cref="ReadAheadWindow"/>
/// between the source's <see cref="IByteSource.PreferredConcurrency"/> and <see cref="IByteSource.MaxConcurrency"/>,
/// never past <see cref="ReadAheadWindow.MaxReadAheadBytes"/>. Strips stored out of order are still read once each, in image order.
/// A run is read straight into the target's band when the target offers that memory (runs never cross a band
/// boundary, so each fits one band). A run whose band is still being encoded waits when the read-ahead is shallow,
/// else goes through a pooled buffer and a row copy, as do all rows when the target offers no memory.
/// Memory: at most read-ahead × read size (≤ 128 MiB) of buffers, whatever the image size; none for runs read in place.
/// </summary>
internal static class StripReader
{
    /// <summary>A run of whole rows that are contiguous in the file; <paramref name="Reversed"/>: delivered last row first.</summary>
    public readonly record struct RowRun(int FirstRow, int RowCount, long FileOffset, bool Reversed = false);

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
    /// and bytes read.
    /// <paramref name="readAhead"/> reads are kept in flight at first; up to the source's
    /// <see cref="IByteSource.MaxConcurrency"/> as <see cref="ReadAheadWindow"/> decides.
    /// </summary>
    public static void ReadRows(IByteSource source, SourceImage image, int readSize, int readAhead,
        IRowTarget target, Action<long, long>? onProgress, CancellationToken cancellationToken,
        StageTimings? timings = null, bool bottomUp = false)
    {
        int rowBytes = image.RowBytes;
        long bandBytes = (long)target.BandRows * rowBytes;
        // Reads into the next band need no buffer: the window may hold a band more than its buffers. At the real
        // slide's width a band (256 rows, 34.6 MB) is more than 16 reads of 2 MiB; a window smaller than a band plus
        // the flush left the converter waiting one read's latency per band (30 ms / 20 MB/s: 124 MB/s).
        var window = ReadAheadWindow.For(source, readAhead, readSize, smallestRead: rowBytes, inPlaceBytes: bandBytes);
        long pooledBudget = ReadAheadWindow.PooledBudget(source);
        // A null buffer: the run is read into the target's band in place. A read's task returns when it completed.
        var pending = new Queue<(RowRun Run, byte[]? Buffer, Task<long> Read, ReadAheadWindow.Ticket Ticket)>();
        using var runs = PlanReads(image, () => window.ReadSize, bottomUp, target.BandRows).GetEnumerator();
        RowRun? held = null;
        long bytesRead = 0;
        int rowsDone = 0;
        long bytesHeld = 0;
        try
        {
            while (true)
            {
                while (pending.Count < window.Size && (held is not null || runs.MoveNext()))
                {
                    var run = held ?? runs.Current;
                    held = null;
                    int length = run.RowCount * rowBytes;
                    // A bottom-up run arrives last row first: it cannot be read into place.
                    var inPlace = run.Reversed ? Memory<byte>.Empty : target.TryReserveRows(run.FirstRow, run.RowCount);
                    // A shallow read-ahead (local files: 2 × 4 MiB against a 15-35 MB band) loses nothing by pausing
                    // until the band a run belongs to is free: the producer waits for that band at the next flush
                    // anyway. A deep one (S3 latency) keeps reading, into pooled buffers, and pays a row copy.
                    bool waitForBand = (long)window.Size * window.ReadSize <= bandBytes;
                    if (inPlace.IsEmpty && !run.Reversed && pending.Count > 0 && waitForBand)
                    {
                        // Its band is still being encoded; the reads in flight keep the producer busy meanwhile.
                        held = run;
                        break;
                    }

                    // The pool hands out power-of-two arrays: count what a read really holds.
                    long bufferBytes = inPlace.IsEmpty ? (long)BitOperations.RoundUpToPowerOf2((uint)length) : 0;
                    if (pending.Count > 0 && bytesHeld + bufferBytes > pooledBudget)
                    {
                        // The buffers are full (reads issued before a split still hold their larger ones, or the next
                        // band is busy): wait until one is consumed.
                        held = run;
                        break;
                    }

                    byte[]? buffer = inPlace.IsEmpty ? ArrayPool<byte>.Shared.Rent(length) : null;
                    var into = buffer is null ? inPlace : buffer.AsMemory(0, length);
                    var (read, ticket) = window.Start(source, run.FileOffset, into, cancellationToken);
                    pending.Enqueue((run, buffer, read, ticket));
                    bytesHeld += buffer?.Length ?? 0;
                    timings?.RecordReadAhead(pending.Count, bytesHeld);
                }

                if (pending.Count == 0)
                {
                    break;
                }

                var (current, data, task, issued) = pending.Dequeue();
                int runBytes = current.RowCount * rowBytes;
                try
                {
                    timings?.AddRead(window.Finish(task, issued, runBytes));
                    if (data is null)
                    {
                        target.CommitRows(current.FirstRow, current.RowCount);
                    }

                    for (int i = 0; data is not null && i < current.RowCount; i++)
                    {
                        int r = current.Reversed ? current.RowCount - 1 - i : i;
                        target.PushRow(data.AsSpan(r * rowBytes, rowBytes));
                    }
                }
                finally
                {
                    ReturnBuffer(data);
                    bytesHeld -= data?.Length ?? 0;
                }

                bytesRead += runBytes;
                rowsDone += current.RowCount;
                onProgress?.Invoke(rowsDone, bytesRead);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            timings?.SetReadAheadSteps(window.Steps);
            // Let reads still in flight finish before their buffers go back to the pool.
            foreach (var (_, buffer, read, _) in pending)
            {
                try
                {
                    read.GetAwaiter().GetResult();
                }
                catch (Exception)
                {
                    // already failing; the first error is the one reported
                }

                ReturnBuffer(buffer);
            }
        }
    }

    private static void ReturnBuffer(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A target that only takes pushed rows (through <paramref name="onRow"/>: a flip, say) and offers no memory.</summary>
    public sealed class PushOnly(Action<ReadOnlySpan<byte>> onRow, int bandRows) : IRowTarget
    {
        public int BandRows => bandRows;

        public Memory<byte> TryReserveRows(int firstRow, int count) => Memory<byte>.Empty;

        public void CommitRows(int firstRow, int count) =>
            throw new InvalidOperationException("rows were committed to a target that offered no memory");

        public void PushRow(ReadOnlySpan<byte> row) => onRow(row);
    }
}
