using System.Buffers;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source.Decoding;

namespace BtfConvert.Core.Source;

/// <summary>
/// Reads the compressed chunks an image's groups need with few large reads, ahead of the decoder. Each plane's
/// chunks are coalesced in group order into reads of up to the source's preferred size (small gaps read through),
/// so a compressed image costs about as many requests as its size in read-size units — on S3 a handful of ranged
/// GETs per 8 MiB, never one per strip or tile — and planar images read their planes as parallel sequential runs.
/// How many reads run beyond the current group is decided by a <see cref="ReadAheadWindow"/>, as for plain strips:
/// fixed for local files, growing over a slow link while the decoder waits.
/// Memory: the reads the current group needs plus at most the window's reads beyond it (≤ 128 MiB of buffers).
/// </summary>
internal sealed class ChunkPrefetcher : IDisposable
{
    /// <summary>Gaps up to this are read through rather than starting another request.</summary>
    internal const int MaxGap = 64 << 10;

    private readonly IByteSource _source;
    private readonly IReadOnlyList<PlannedRead> _reads;
    private readonly ReadAheadWindow _window;
    private readonly CancellationToken _cancellationToken;
    private readonly StageTimings? _timings;
    private readonly List<ActiveRead> _active = [];
    private int _next;

    internal readonly record struct PlannedRead(long Offset, int Length, int FirstGroup, int LastGroup);

    private sealed record ActiveRead(PlannedRead Read, byte[] Buffer, Task<long> Task, ReadAheadWindow.Ticket Ticket)
    {
        /// <summary>Its first group was prepared: the window has judged it.</summary>
        public bool Consumed { get; set; }
    }

    public ChunkPrefetcher(IByteSource source, ChunkLayout layout, int readSize, int readAhead, CancellationToken cancellationToken,
        StageTimings? timings = null)
    {
        _timings = timings;
        _source = source;
        _reads = Plan(layout, readSize);
        // Reads are planned once, so their size is fixed: the window adds reads but never splits them.
        _window = ReadAheadWindow.For(source, Math.Max(1, readAhead), readSize, smallestRead: readSize);
        _cancellationToken = cancellationToken;
    }

    /// <summary>How the read-ahead window moved.</summary>
    public IReadOnlyList<ReadAheadStep> ReadAheadSteps => _window.Steps;

    /// <summary>Bytes read so far (for progress).</summary>
    public long BytesRead { get; private set; }

    /// <summary>The reads for every chunk, ordered by the first group that needs them.</summary>
    internal static List<PlannedRead> Plan(ChunkLayout layout, int readSize)
    {
        var reads = new List<PlannedRead>();
        for (int plane = 0; plane < layout.Planes; plane++)
        {
            long start = 0, end = 0;
            int first = -1, last = -1;
            for (int g = 0; g < layout.GroupCount; g++)
            {
                for (int c = 0; c < layout.Across; c++)
                {
                    int i = layout.ChunkIndex(g, c, plane);
                    long offset = layout.Offsets[i], count = layout.ByteCounts[i];
                    if (count == 0)
                    {
                        continue;
                    }

                    if (first >= 0 && offset >= start && offset + count <= end)
                    {
                        last = g; // inside the current read (tiles shared by offset)
                    }
                    else if (first >= 0 && offset >= end && offset - end <= MaxGap && offset + count - start <= readSize)
                    {
                        (end, last) = (offset + count, g);
                    }
                    else
                    {
                        if (first >= 0)
                        {
                            reads.Add(new PlannedRead(start, (int)(end - start), first, last));
                        }

                        (start, end, first, last) = (offset, offset + count, g, g);
                    }
                }
            }

            if (first >= 0)
            {
                reads.Add(new PlannedRead(start, (int)(end - start), first, last));
            }
        }

        // Stable: within a group, plane order.
        return [.. reads.Select((r, i) => (r, i)).OrderBy(x => x.r.FirstGroup).ThenBy(x => x.i).Select(x => x.r)];
    }

    /// <summary>Makes every chunk of <paramref name="group"/> available to <see cref="Find"/>, reading ahead of it.</summary>
    public void Prepare(int group)
    {
        for (int i = _active.Count - 1; i >= 0; i--)
        {
            if (_active[i].Read.LastGroup < group)
            {
                Release(_active[i]);
                _active.RemoveAt(i);
            }
        }

        int ahead = _active.Count(a => a.Read.FirstGroup > group);
        while (_next < _reads.Count && (_reads[_next].FirstGroup <= group || ahead < _window.Size))
        {
            var read = _reads[_next++];
            byte[] buffer = ArrayPool<byte>.Shared.Rent(read.Length);
            var (task, ticket) = _window.Start(_source, read.Offset, buffer.AsMemory(0, read.Length), _cancellationToken);
            _active.Add(new ActiveRead(read, buffer, task, ticket));
            ahead += read.FirstGroup > group ? 1 : 0;
            _timings?.RecordReadAhead(ahead, _active.Sum(a => (long)a.Buffer.Length));
        }

        foreach (var active in _active.Where(a => a.Read.FirstGroup <= group && !a.Consumed))
        {
            _window.Finish(active.Task, active.Ticket, active.Read.Length);
            active.Consumed = true;
        }
    }

    /// <summary>The prefetched bytes at [offset, offset+count), or empty when no current read holds them all.</summary>
    public ReadOnlyMemory<byte> Find(long offset, int count)
    {
        foreach (var active in _active)
        {
            var r = active.Read;
            if (active.Task.IsCompletedSuccessfully && offset >= r.Offset && offset + count <= r.Offset + r.Length)
            {
                return active.Buffer.AsMemory((int)(offset - r.Offset), count);
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>Returns the buffer of a read every group has used (it completed when its first group was prepared).</summary>
    private void Release(ActiveRead active)
    {
        BytesRead += active.Read.Length;
        ArrayPool<byte>.Shared.Return(active.Buffer);
    }

    public void Dispose()
    {
        // Let reads still in flight finish before their buffers go back to the pool.
        foreach (var active in _active)
        {
            try
            {
                active.Task.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // already failing; the first error is the one reported
            }

            ArrayPool<byte>.Shared.Return(active.Buffer);
        }

        _active.Clear();
    }
}
