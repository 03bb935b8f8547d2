using System.Diagnostics;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Conversion;

/// <summary>
/// How many reads a reader keeps ahead of the converter. Fixed when the source's minimum and maximum are equal (local
/// files). Otherwise it starts at the minimum and grows while both hold: the converter spent at least a quarter of
/// its time waiting for reads (it is not the bottleneck), and the link still scales. Time, not a count of reads
/// waited on: reads issued together complete together, so the converter waits for the first of a batch only and
/// finds the rest done; counting them, the window judged a link-bound converter "mostly not waiting" and stayed at 8. The link is judged from the reads themselves, by Little's law:
/// N reads in flight that each take T for B bytes deliver N·B/T. Doubling N leaves T as it was while each connection
/// is the limit (object storage: ~50–90 MB/s per connection), and doubles T once the link or the store is full.
/// Each size is judged only on reads issued at that size (a <see cref="Ticket"/> carries it), so a step is never
/// judged on reads still draining from the size before: the first version of this class judged the wall-clock rate
/// of the epoch right after a step, saw no gain, and never passed 8 reads on a 30 ms / 5 MB/s link.
/// It doubles until a step gains less than <see cref="MinGain"/> (like TCP's slow start), then steps back and
/// probes +25 % after <see cref="CooldownJudgements"/> judgements, so it follows a link that speeds up later.
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

    private readonly int _max;
    private readonly List<ReadAheadStep> _steps = [];
    private bool _slowStart = true;
    private int? _probeFrom;
    private double _rateBefore;
    private int _cooldown;
    private int _generation;
    private int _samples;
    private long _bytes;
    private long _readTicks;
    private long _waitTicks;
    private long _periodTicks;
    private long _lastConsumedAt;

    public ReadAheadWindow(int initial, int max)
    {
        _max = Math.Max(1, max);
        Size = Math.Clamp(initial, 1, _max);
    }

    /// <summary>
    /// A window for <paramref name="source"/> whose reads each hold <paramref name="bufferBytes"/>: from
    /// <paramref name="initial"/> reads up to the source's <see cref="IByteSource.MaxConcurrency"/>, never past
    /// <see cref="MaxReadAheadBytes"/> of buffers.
    /// </summary>
    public static ReadAheadWindow For(IByteSource source, int initial, long bufferBytes) =>
        new(initial, (int)Math.Clamp(MaxReadAheadBytes / Math.Max(1, bufferBytes), 1, Math.Max(1, source.MaxConcurrency)));

    /// <summary>Reads to keep in flight or waiting for the converter now.</summary>
    public int Size { get; private set; }

    /// <summary>Every change of size so far, with the link rate that decided it.</summary>
    public IReadOnlyList<ReadAheadStep> Steps => _steps;

    /// <summary>What a read must carry from its start to <see cref="ReadConsumed"/>: the size it was issued under, and when.</summary>
    public readonly record struct Ticket(int Generation, long IssuedAt);

    /// <summary>Call when a read is started.</summary>
    public Ticket Issue() => new(_generation, Stopwatch.GetTimestamp());

    /// <summary>Reads into <paramref name="into"/> and returns when the read completed (its duration is what the window judges).</summary>
    public static async Task<long> ReadAsync(IByteSource source, long offset, Memory<byte> into, CancellationToken cancellationToken)
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
        if (first || ticket.Generation != _generation || (Size >= _max && _probeFrom is null))
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

        double rate = Size * _bytes / (_readTicks / (double)Stopwatch.Frequency);
        bool readBound = _waitTicks >= ReadBoundShare * _periodTicks;
        ResetSamples();
        Judge(rate, readBound);
    }

    private void ResetSamples() => (_samples, _bytes, _readTicks, _waitTicks, _periodTicks) = (0, 0, 0, 0, 0);

    private void Judge(double rate, bool readBound)
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
                Change(from, rate);
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

        if (Size < _max)
        {
            _probeFrom = Size;
            _rateBefore = rate;
            Change(Math.Min(_max, _slowStart ? Size * 2 : Size + Math.Max(1, Size / 4)), rate);
        }
    }

    /// <summary>Moves to <paramref name="size"/> reads; <paramref name="rate"/> is what the current size delivered.</summary>
    private void Change(int size, double rate)
    {
        _steps.Add(new ReadAheadStep(Size, size, rate));
        Size = size;
        _generation++;
        ResetSamples();
    }
}
