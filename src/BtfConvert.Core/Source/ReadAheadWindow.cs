using System.Diagnostics;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Source;

/// <summary>
/// How many reads a reader keeps ahead of the converter. Fixed when the source's minimum and maximum are equal (local
/// files). Otherwise it starts at the minimum and grows while both hold: the converter spent at least a quarter of
/// its time waiting for reads (it is not the bottleneck), and the link still scales. Time, not a count of reads
/// waited on: reads issued together complete together, so the converter waits for the first of a batch only and
/// finds the rest done; counting them, the window judged a link-bound converter "mostly not waiting" and stayed at
/// 8. The link is judged from the reads themselves, by Little's law: N reads in flight that each take T for B bytes
/// deliver N·B/T. Doubling N leaves T as it was while each connection
/// is the limit (object storage: ~50–90 MB/s per connection), and doubles T once the link or the store is full.
/// Each size is judged only on reads issued at that size (a <see cref="Ticket"/> carries it), so a step is never
/// judged on reads still draining from the size before: the first version of this class judged the wall-clock rate
/// of the epoch right after a step, saw no gain, and never passed 8 reads on a 30 ms / 5 MB/s link.
/// It doubles until a step gains less than <see cref="MinGain"/> (like TCP's slow start), then steps back and
/// probes +25 % after <see cref="CooldownJudgements"/> judgements, so it follows a link that speeds up later.
/// Reads are bounded in count (connections) and in buffer bytes. Once the bytes are the bound and reads are slow
/// (≥ <see cref="SlowReadSeconds"/>: mostly body, not latency), it splits them instead: half the bytes per read and
/// twice the reads, the same memory over twice the connections, judged like any other step. On a 5 MB/s connection
/// a 2 MiB read takes 0.45 s, so 32 MiB of them carry 75 MB/s and 32 MiB of 1 MiB reads ~140 MB/s; a fast link keeps
/// the larger reads, which cost less CPU per GB (~1 CPU-s per GB less at 4 MiB than at 1 MiB, measured).
/// Output never depends on it; its decisions are kept in <see cref="Steps"/> for --verbose.
/// </summary>
internal sealed class ReadAheadWindow
{
    /// <summary>
    /// Most bytes of read buffers one conversion holds (reads in flight plus reads waiting for the converter),
    /// whatever the source asks for: half the 256 MB per-conversion budget; the level chain at the real slide width
    /// takes ~140 MB (two bands per level), and runs read straight into its bands need no buffer.
    /// </summary>
    public const long MaxReadAheadBytes = 128L << 20;

    /// <summary>Gains below 10 % are within the noise of a shared machine and not worth more connections and memory.</summary>
    internal const double MinGain = 1.10;

    /// <summary>The converter is read-bound when it waited for reads at least this share of the time.</summary>
    internal const double ReadBoundShare = 0.25;

    /// <summary>After a probe that gained nothing, hold the size for this many judgements before trying again.</summary>
    internal const int CooldownJudgements = 8;

    /// <summary>
    /// Reads that take this long spend most of it receiving the body (object storage answers in 20-50 ms), so
    /// halving them halves their time and the same memory carries twice the connections.
    /// </summary>
    internal const double SlowReadSeconds = 0.25;

    private readonly int _maxReads;
    private readonly long _budget;
    private readonly int _minReadSize;
    private readonly List<ReadAheadStep> _steps = [];
    private bool _slowStart = true;
    private (int Size, int ReadSize)? _probeFrom;
    private double _rateBefore;
    private int _cooldown;
    private int _generation;
    private int _samples;
    private long _bytes;
    private long _readTicks;
    private long _waitTicks;
    private long _periodTicks;
    private long _lastConsumedAt;

    /// <summary>A window of a fixed read size: <paramref name="initial"/> reads at first, at most <paramref name="max"/>.</summary>
    public ReadAheadWindow(int initial, int max)
        : this(initial, max, readSize: 1, minReadSize: 1, budgetBytes: long.MaxValue)
    {
    }

    /// <summary>
    /// Reads of <paramref name="readSize"/> bytes, at most <paramref name="maxReads"/> of them and at most
    /// <paramref name="budgetBytes"/> of buffers (each read counted at its pooled size, the next power of two),
    /// split down to <paramref name="minReadSize"/> when they are slow.
    /// </summary>
    public ReadAheadWindow(int initial, int maxReads, int readSize, int minReadSize, long budgetBytes)
    {
        _maxReads = Math.Max(1, maxReads);
        _budget = budgetBytes;
        ReadSize = Math.Max(1, readSize);
        _minReadSize = Math.Clamp(minReadSize, 1, ReadSize);
        // The budget bounds growth; the start is the source's own choice (a local file's 2 reads even of rows wider
        // than the budget allows).
        Size = Math.Clamp(initial, 1, _maxReads);
    }

    /// <summary>
    /// A window for <paramref name="source"/> with reads of at least <paramref name="smallestRead"/> bytes (a whole
    /// row): <paramref name="readSize"/> at first, from <paramref name="initial"/> reads up to the source's
    /// <see cref="IByteSource.MaxConcurrency"/>, and as many bytes as <see cref="PooledBudget"/> of buffers plus
    /// <paramref name="inPlaceBytes"/> that reads may fill in place (the strip reader's free band). The caller keeps
    /// its buffers within <see cref="PooledBudget"/>.
    /// </summary>
    public static ReadAheadWindow For(IByteSource source, int initial, int readSize, int smallestRead = 1, long inPlaceBytes = 0) =>
        new(initial, source.MaxConcurrency, Math.Max(readSize, smallestRead), Math.Max(source.MinReadSize, smallestRead),
            PooledBudget(source) + Math.Max(0, inPlaceBytes));

    /// <summary>Most bytes of pooled read buffers for <paramref name="source"/>: its budget, never past <see cref="MaxReadAheadBytes"/>.</summary>
    public static long PooledBudget(IByteSource source) => Math.Min(MaxReadAheadBytes, source.ReadAheadBudget);

    /// <summary>Bytes per read now (a run of rows may be a little shorter: whole rows only).</summary>
    public int ReadSize { get; private set; }

    /// <summary>Reads to keep in flight or waiting for the converter now.</summary>
    public int Size { get; private set; }

    /// <summary>Every change of size so far, with the link rate that decided it.</summary>
    public IReadOnlyList<ReadAheadStep> Steps => _steps;

    /// <summary>What a read must carry from its start to <see cref="ReadConsumed"/>: the size it was issued under, and when.</summary>
    public readonly record struct Ticket(int Generation, long IssuedAt);

    /// <summary>Call when a read is started (<see cref="Start"/> does).</summary>
    public Ticket Issue() => new(_generation, Stopwatch.GetTimestamp());

    /// <summary>
    /// Starts reading <paramref name="into"/> from <paramref name="source"/> at <paramref name="offset"/>; the task
    /// returns when the read completed. Hand both to <see cref="Finish"/> when the converter needs the bytes.
    /// </summary>
    public (Task<long> Read, Ticket Ticket) Start(IByteSource source, long offset, Memory<byte> into, CancellationToken cancellationToken)
    {
        var ticket = Issue();
        return (ReadAsync(source, offset, into, cancellationToken), ticket);
    }

    /// <summary>
    /// Waits for a started read of <paramref name="bytes"/> that the converter needs now and judges it; returns how
    /// long the converter waited (Stopwatch ticks).
    /// </summary>
    public long Finish(Task<long> read, Ticket ticket, long bytes)
    {
        long waitStart = Stopwatch.GetTimestamp();
        long completedAt = read.GetAwaiter().GetResult();
        long now = Stopwatch.GetTimestamp();
        ReadConsumed(ticket, completedAt, bytes, waitTicks: now - waitStart, consumedAt: now);
        return now - waitStart;
    }

    /// <summary>Reads into <paramref name="into"/> and returns when the read completed (its duration is what the window judges).</summary>
    private static async Task<long> ReadAsync(IByteSource source, long offset, Memory<byte> into, CancellationToken cancellationToken)
    {
        await source.ReadExactlyAsync(offset, into, cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// One read handed to the converter at <paramref name="consumedAt"/>: its ticket, when it completed, its size,
    /// and how long the converter waited for it (0 when it was already there).
    /// </summary>
    public void ReadConsumed(Ticket ticket, long completedAt, long bytes, long waitTicks, long consumedAt)
    {
        // The converter's time since the read before, whichever size that one was issued at. The very first read
        // is waited for whatever the size (nothing can be ahead of it): it says nothing.
        bool first = _lastConsumedAt == 0;
        long sinceLast = Math.Max(0, consumedAt - _lastConsumedAt);
        _lastConsumedAt = consumedAt;
        if (first || ticket.Generation != _generation || (Size >= _maxReads && _probeFrom is null))
        {
            return;
        }

        _samples++;
        _bytes += bytes;
        _readTicks += Math.Max(1, completedAt - ticket.IssuedAt);
        _waitTicks += Math.Max(0, waitTicks);
        _periodTicks += Math.Max(sinceLast, waitTicks);
        // A whole window of reads: reads issued together complete together, so the converter waits for the first of
        // such a batch and finds the rest done; fewer samples could fall inside one batch and see no wait at all.
        if (_samples < Math.Max(2, Size))
        {
            return;
        }

        double seconds = _readTicks / (double)Stopwatch.Frequency;
        double rate = Size * _bytes / seconds;
        bool readBound = _waitTicks >= ReadBoundShare * _periodTicks;
        bool slowReads = seconds / _samples >= SlowReadSeconds;
        ResetSamples();
        Judge(rate, readBound, slowReads);
    }

    private void ResetSamples() => (_samples, _bytes, _readTicks, _waitTicks, _periodTicks) = (0, 0, 0, 0, 0);

    /// <summary>Reads of <paramref name="readSize"/> that fit the count and the buffer budget.</summary>
    private int MaxReadsOf(int readSize) =>
        (int)Math.Clamp(_budget / (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)readSize), 1, _maxReads);

    private void Judge(double rate, bool readBound, bool slowReads)
    {
        if (!readBound)
        {
            // The converter is the bottleneck: more reads would only hold more memory. Keep what helped so far.
            _probeFrom = null;
            return;
        }

        if (_probeFrom is { } from)
        {
            _probeFrom = null;
            if (rate < _rateBefore * MinGain)
            {
                Change(from.Size, from.ReadSize, rate);
                _slowStart = false;
                _cooldown = CooldownJudgements;
                return;
            }
        }

        if (_cooldown > 0)
        {
            _cooldown--;
            return;
        }

        int most = MaxReadsOf(ReadSize);
        if (Size < most)
        {
            Probe(Math.Min(most, _slowStart ? Size * 2 : Size + Math.Max(1, Size / 4)), ReadSize, rate);
        }
        else if (slowReads && ReadSize / 2 >= _minReadSize && Size < _maxReads)
        {
            // The buffers are the bound: the same bytes in more, smaller reads.
            Probe(Math.Min(Size * 2, MaxReadsOf(ReadSize / 2)), ReadSize / 2, rate);
        }
    }

    private void Probe(int size, int readSize, double rate)
    {
        _probeFrom = (Size, ReadSize);
        _rateBefore = rate;
        Change(size, readSize, rate);
    }

    /// <summary>Moves to <paramref name="size"/> reads of <paramref name="readSize"/>; <paramref name="rate"/> is what the current ones delivered.</summary>
    private void Change(int size, int readSize, double rate)
    {
        _steps.Add(new ReadAheadStep(Size, size, rate) { ReadSizeBefore = ReadSize, ReadSize = readSize });
        Size = size;
        ReadSize = readSize;
        _generation++;
        ResetSamples();
    }
}
