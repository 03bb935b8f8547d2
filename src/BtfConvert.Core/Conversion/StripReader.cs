using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Conversion;

/// <summary>
/// Delivers the main image's rows in order with one pass of large reads: consecutive rows that are adjacent in the
/// file (the usual case: strips stored in order) are coalesced into reads of about the source's preferred size, and
/// a bounded number of reads run ahead of the consumer. How many is decided by <see cref="ReadAheadWindow"/>
/// between the source's <see cref="IByteSource.PreferredConcurrency"/> and <see cref="IByteSource.MaxConcurrency"/>,
/// never past <see cref="MaxReadAheadBytes"/>. Strips stored out of order are still read once each, in image order.
/// Memory: at most read-ahead × read size (≤ 128 MiB), whatever the image size.
/// </summary>
internal static class StripReader
{
    /// <summary>
    /// Most bytes of read buffers one conversion holds (reads in flight plus reads waiting for the converter),
    /// whatever the source asks for: half the 256 MB per-conversion budget; the level chain at the real slide width
    /// takes ~70 MB of the rest.
    /// </summary>
    public const long MaxReadAheadBytes = 128L << 20;

    /// <summary>A run of whole rows that are contiguous in the file; <paramref name="Reversed"/>: delivered last row first.</summary>
    public readonly record struct RowRun(int FirstRow, int RowCount, long FileOffset, bool Reversed = false);

    /// <summary>
    /// Splits the image into runs of adjacent rows of at most <paramref name="maxBytes"/> (at least one row), in image
    /// order, or with <paramref name="bottomUp"/> from the last row to the first (Orientation 3 and 4).
    /// </summary>
    public static IEnumerable<RowRun> PlanReads(SourceImage image, int maxBytes, bool bottomUp = false) =>
        bottomUp ? PlanReadsBottomUp(image, maxBytes) : PlanReadsTopDown(image, maxBytes);

    private static IEnumerable<RowRun> PlanReadsTopDown(SourceImage image, int maxBytes)
    {
        int rowBytes = image.RowBytes;
        int maxRows = Math.Max(1, maxBytes / rowBytes);
        int first = 0;
        long firstOffset = image.RowOffset(0);
        for (int y = 1; y <= image.Height; y++)
        {
            int count = y - first;
            bool end = y == image.Height;
            long offset = end ? 0 : image.RowOffset(y);
            if (end || count == maxRows || offset != firstOffset + ((long)count * rowBytes))
            {
                yield return new RowRun(first, count, firstOffset);
                first = y;
                firstOffset = offset;
            }
        }
    }

    /// <summary>Runs from the bottom row up: rows whose stored order is adjacent in the file still make one read each run.</summary>
    private static IEnumerable<RowRun> PlanReadsBottomUp(SourceImage image, int maxBytes)
    {
        int rowBytes = image.RowBytes;
        int maxRows = Math.Max(1, maxBytes / rowBytes);
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
            }

            lowOffset = offset;
        }
    }

    /// <summary>
    /// Reads every row and hands it to <paramref name="onRow"/> on the calling thread (which may block for
    /// back-pressure). <paramref name="onProgress"/> is called after each run with rows done and bytes read.
    /// <paramref name="readAhead"/> reads are kept in flight at first; up to the source's
    /// <see cref="IByteSource.MaxConcurrency"/> as <see cref="ReadAheadWindow"/> decides.
    /// </summary>
    public static void ReadRows(IByteSource source, SourceImage image, int readSize, int readAhead,
        Action<ReadOnlySpan<byte>> onRow, Action<long, long>? onProgress, CancellationToken cancellationToken,
        StageTimings? timings = null, bool bottomUp = false)
    {
        int rowBytes = image.RowBytes;
        readSize = Math.Max(readSize, rowBytes);
        // The pool hands out power-of-two arrays: count what a read really holds.
        long bufferBytes = (long)BitOperations.RoundUpToPowerOf2((uint)(Math.Max(1, readSize / rowBytes) * rowBytes));
        int maxReads = (int)Math.Clamp(MaxReadAheadBytes / bufferBytes, 1, Math.Max(1, source.MaxConcurrency));
        var window = new ReadAheadWindow(readAhead, maxReads);
        var pending = new Queue<(RowRun Run, byte[] Buffer, Task Read)>();
        using var runs = PlanReads(image, readSize, bottomUp).GetEnumerator();
        long bytesRead = 0;
        int rowsDone = 0;
        long bytesHeld = 0;
        try
        {
            while (true)
            {
                while (pending.Count < window.Size && runs.MoveNext())
                {
                    var run = runs.Current;
                    int length = run.RowCount * rowBytes;
                    byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
                    var read = source.ReadExactlyAsync(run.FileOffset, buffer.AsMemory(0, length), cancellationToken).AsTask();
                    pending.Enqueue((run, buffer, read));
                    bytesHeld += buffer.Length;
                    timings?.RecordReadAhead(pending.Count, bytesHeld);
                }

                if (pending.Count == 0)
                {
                    break;
                }

                var (current, data, task) = pending.Dequeue();
                int runBytes = current.RowCount * rowBytes;
                try
                {
                    long waitStart = Stopwatch.GetTimestamp();
                    bool waited = !task.IsCompleted;
                    task.GetAwaiter().GetResult();
                    timings?.AddRead(Stopwatch.GetTimestamp() - waitStart);
                    window.RunConsumed(runBytes, waited);
                    for (int i = 0; i < current.RowCount; i++)
                    {
                        int r = current.Reversed ? current.RowCount - 1 - i : i;
                        onRow(data.AsSpan(r * rowBytes, rowBytes));
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(data);
                    bytesHeld -= data.Length;
                }

                bytesRead += runBytes;
                rowsDone += current.RowCount;
                onProgress?.Invoke(rowsDone, bytesRead);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            // Let reads still in flight finish before their buffers go back to the pool.
            foreach (var (_, buffer, read) in pending)
            {
                try
                {
                    read.GetAwaiter().GetResult();
                }
                catch (Exception)
                {
                    // already failing; the first error is the one reported
                }

                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
