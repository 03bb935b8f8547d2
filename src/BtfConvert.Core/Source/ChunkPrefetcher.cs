using BtfConvert.Core.IO;
using BtfConvert.Core.Source.Decoding;

namespace BtfConvert.Core.Source;

/// <summary>
/// Reads the compressed chunks an image's groups need with few large reads, ahead of the decoder: the chunk planner of
/// the <see cref="ReadAheadEngine{TPart}"/>. Each plane's chunks are coalesced in group order into reads of up to the
/// window's read size (small gaps read through), so a compressed image costs about as many requests as its size in
/// read-size units — on S3 a handful of ranged GETs per 8 MiB, never one per strip or tile — and planar images read
/// their planes as parallel sequential runs. Reads are planned as they are issued, so a split of the window's reads
/// takes effect at once; a chunk is never split (it may make a read larger than the read size on its own).
/// Memory: the reads the current group needs plus the engine's pooled budget beyond them (≤ 128 MiB of buffers).
/// </summary>
internal sealed class ChunkPrefetcher : IDisposable
{
    /// <summary>Gaps up to this are read through rather than starting another request.</summary>
    internal const int MaxGap = 64 << 10;

    private readonly ReadAheadEngine<PlannedRead> _engine;

    internal readonly record struct PlannedRead(long Offset, int Length, int FirstGroup, int LastGroup);

    public ChunkPrefetcher(IByteSource source, ChunkLayout layout, ReadAheadPolicy policy, CancellationToken cancellationToken,
        StageTimings? timings = null)
    {
        _engine = new ReadAheadEngine<PlannedRead>(source, policy, new Planner(layout), cancellationToken, timings, smallestRead: MaxGap);
    }

    /// <summary>Bytes read so far (for progress).</summary>
    public long BytesRead => _engine.BytesRead;

    /// <summary>The reads for every chunk at a fixed read size, ordered by the first group that needs them.</summary>
    internal static List<PlannedRead> Plan(ChunkLayout layout, int readSize)
    {
        var planner = new Planner(layout);
        var reads = new List<PlannedRead>();
        while (planner.TryPeek(readSize, out var read))
        {
            reads.Add(read.Part);
            planner.Advance();
        }

        return reads;
    }

    /// <summary>
    /// Each plane's reads in group order, merged by first group (within a group, plane order), each planned when it is
    /// first asked for.
    /// </summary>
    private sealed class Planner(ChunkLayout layout) : IReadPlanner<PlannedRead>
    {
        private readonly IEnumerator<PlannedRead>?[] _planes = new IEnumerator<PlannedRead>?[layout.Planes];
        private readonly PlannedRead?[] _heads = new PlannedRead?[layout.Planes];
        private int _readSize;
        private int _peeked = -1;

        public bool TryPeek(int readSize, out PlannedRead<PlannedRead> read)
        {
            _readSize = readSize;
            _peeked = -1;
            for (int plane = 0; plane < _planes.Length; plane++)
            {
                _planes[plane] ??= PlaneReads(layout, plane, () => _readSize).GetEnumerator();
                _heads[plane] ??= _planes[plane]!.MoveNext() ? _planes[plane]!.Current : null;
                if (_heads[plane] is { } head && (_peeked < 0 || head.FirstGroup < _heads[_peeked]!.Value.FirstGroup))
                {
                    _peeked = plane;
                }
            }

            var next = _peeked < 0 ? default : _heads[_peeked]!.Value;
            read = new PlannedRead<PlannedRead>(next, next.Offset, next.Length);
            return _peeked >= 0;
        }

        public void Advance() => _heads[_peeked] = null;
    }

    /// <summary>One plane's chunks coalesced in group order into reads of up to <paramref name="readSize"/> bytes.</summary>
    private static IEnumerable<PlannedRead> PlaneReads(ChunkLayout layout, int plane, Func<int> readSize)
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
                else if (first >= 0 && offset >= end && offset - end <= MaxGap && offset + count - start <= readSize())
                {
                    (end, last) = (offset + count, g);
                }
                else
                {
                    if (first >= 0)
                    {
                        yield return new PlannedRead(start, (int)(end - start), first, last);
                    }

                    (start, end, first, last) = (offset, offset + count, g, g);
                }
            }
        }

        if (first >= 0)
        {
            yield return new PlannedRead(start, (int)(end - start), first, last);
        }
    }

    /// <summary>Makes every chunk of <paramref name="group"/> available to <see cref="Find"/>, reading ahead of it.</summary>
    public void Prepare(int group)
    {
        foreach (var done in _engine.Active.Where(r => r.Part.LastGroup < group).ToList())
        {
            // It completed when its first group was prepared.
            _engine.Release(done);
        }

        _engine.Fill(read => read.FirstGroup <= group);
        foreach (var read in _engine.Active.Where(r => r.Part.FirstGroup <= group))
        {
            _engine.Await(read);
        }
    }

    /// <summary>The prefetched bytes at [offset, offset+count), or empty when no current read holds them all.</summary>
    public ReadOnlyMemory<byte> Find(long offset, int count)
    {
        foreach (var read in _engine.Active)
        {
            if (read.IsComplete && offset >= read.Offset && offset + count <= read.Offset + read.Length)
            {
                return read.Data.Slice((int)(offset - read.Offset), count);
            }
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    public void Dispose() => _engine.Dispose();
}
