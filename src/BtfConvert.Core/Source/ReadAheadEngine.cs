using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Source;

/// <summary>
/// One read a planner asks for: <paramref name="Length"/> bytes at <paramref name="Offset"/> for the consumer's
/// <paramref name="Part"/>, read into <paramref name="InPlace"/> when the consumer offers that memory (else into a pooled
/// buffer). <paramref name="PlaceBusy"/>: the read belongs in consumer memory that is not free yet (a band still being
/// encoded).
/// </summary>
internal readonly record struct PlannedRead<TPart>(TPart Part, long Offset, int Length, Memory<byte> InPlace = default, bool PlaceBusy = false);

/// <summary>Says what to read, in the order the consumer needs it; the <see cref="ReadAheadEngine{TPart}"/> says when.</summary>
internal interface IReadPlanner<TPart>
{
    /// <summary>
    /// The next read, of at most <paramref name="readSize"/> bytes where the planner can choose; false when every read
    /// was issued. Until <see cref="Advance"/>, asking again gives the same bytes (their place may have become free).
    /// </summary>
    bool TryPeek(int readSize, out PlannedRead<TPart> read);

    /// <summary>The read last peeked was issued.</summary>
    void Advance();
}

/// <summary>
/// Reads a source ahead of its consumer, in the order a planner gives: it issues the reads, holds the window (how many
/// reads, how large: <see cref="ReadAheadWindow"/>, between the policy's initial and most reads) and the buffer budget,
/// and measures only the time the consumer really waits for reads (decoding and copying are the consumer's time, not
/// the link's). The strip planner (<see cref="StripReader"/>) and the chunk planner (<see cref="ChunkPrefetcher"/>)
/// say what to read, as the AWS SDK's download manager hands its parts to a part handler.
/// Every read the consumer needs now is issued; beyond those, reads are issued while fewer than the window's count
/// wait unconsumed and their pooled buffers fit the budget. A read whose place in the consumer is still busy waits
/// when the read-ahead is shallow: a local file's 2 × 4 MiB loses nothing by pausing until a 15-35 MB band is free,
/// since the producer waits for that band at the next flush anyway; a deep one (S3 latency) keeps reading into pooled
/// buffers and pays a row copy.
/// Memory: at most the policy's pooled budget (≤ 128 MiB) of buffers, plus the reads the consumer needs now; none for
/// reads made in place.
/// </summary>
internal sealed class ReadAheadEngine<TPart> : IDisposable
{
    private readonly IByteSource _source;
    private readonly IReadPlanner<TPart> _planner;
    private readonly ReadAheadWindow _window;
    private readonly long _pooledBudget;
    private readonly long _inPlaceBytes;
    private readonly StageTimings? _timings;
    private readonly CancellationToken _cancellationToken;
    private readonly List<Read> _active = [];
    private int _unconsumed;
    private long _bytesHeld;

    /// <summary>An issued read, from its start until the consumer releases it.</summary>
    internal sealed class Read(PlannedRead<TPart> plan, byte[]? buffer, Task<long> completed, ReadAheadWindow.Ticket ticket)
    {
        public TPart Part => plan.Part;
        public long Offset => plan.Offset;
        public int Length => plan.Length;

        /// <summary>The bytes read (valid once <see cref="IsComplete"/>); in the consumer's memory when read in place.</summary>
        public Memory<byte> Data { get; } = buffer is null ? plan.InPlace : buffer.AsMemory(0, plan.Length);

        public bool InPlace => buffer is null;
        public bool IsComplete => Completed.IsCompletedSuccessfully;

        /// <summary>The consumer waited for it: the window has judged it.</summary>
        public bool Consumed { get; set; }

        internal byte[]? Buffer => buffer;
        internal Task<long> Completed => completed;
        internal ReadAheadWindow.Ticket Ticket => ticket;
    }

    /// <param name="smallestRead">Reads are never split below this (a whole row).</param>
    /// <param name="inPlaceBytes">Bytes the consumer may offer to read into in place (its free band): the window may hold that much more than its buffers.</param>
    public ReadAheadEngine(IByteSource source, ReadAheadPolicy policy, IReadPlanner<TPart> planner, CancellationToken cancellationToken,
        StageTimings? timings = null, int smallestRead = 1, long inPlaceBytes = 0)
    {
        _source = source;
        _planner = planner;
        _window = ReadAheadWindow.For(policy, smallestRead, inPlaceBytes);
        _pooledBudget = policy.PooledBudget;
        _inPlaceBytes = Math.Max(0, inPlaceBytes);
        _timings = timings;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Issued reads not yet released, in the order they were issued.</summary>
    public IReadOnlyList<Read> Active => _active;

    /// <summary>Bytes of released reads (for progress).</summary>
    public long BytesRead { get; private set; }

    /// <summary>How the window moved.</summary>
    public IReadOnlyList<ReadAheadStep> Steps => _window.Steps;

    /// <summary>
    /// Issues every read the consumer needs now (<paramref name="needed"/> says which; at least the first unconsumed
    /// one) and reads ahead of them as the window and the budget allow.
    /// </summary>
    public void Fill(Func<TPart, bool>? needed = null)
    {
        while (_planner.TryPeek(_window.ReadSize, out var next))
        {
            if (_unconsumed > 0 && needed?.Invoke(next.Part) != true && !WorthReadingAhead(next))
            {
                break;
            }

            Issue(next);
            _planner.Advance();
        }
    }

    private bool WorthReadingAhead(PlannedRead<TPart> next)
    {
        if (_unconsumed >= _window.Size)
        {
            return false;
        }

        // Shallow: the reads in flight keep the producer busy until the place is free (see the summary).
        if (next.PlaceBusy && (long)_window.Size * _window.ReadSize <= _inPlaceBytes)
        {
            return false;
        }

        // The pool hands out power-of-two arrays: count what a read really holds. Over the budget (reads issued
        // before a split still hold their larger buffers, or the next band is busy): wait until one is consumed.
        return _bytesHeld + PooledBytes(next) <= _pooledBudget;
    }

    private static long PooledBytes(PlannedRead<TPart> read) =>
        read.InPlace.IsEmpty ? (long)BitOperations.RoundUpToPowerOf2((uint)read.Length) : 0;

    private void Issue(PlannedRead<TPart> plan)
    {
        byte[]? buffer = plan.InPlace.IsEmpty ? ArrayPool<byte>.Shared.Rent(plan.Length) : null;
        var ticket = _window.Issue();
        var into = buffer is null ? plan.InPlace : buffer.AsMemory(0, plan.Length);
        _active.Add(new Read(plan, buffer, ReadAsync(_source, plan.Offset, into, _cancellationToken), ticket));
        _unconsumed++;
        _bytesHeld += buffer?.Length ?? 0;
        _timings?.RecordReadAhead(_unconsumed, _bytesHeld);
    }

    /// <summary>Reads into <paramref name="into"/> and returns when the read completed (its duration is what the window judges).</summary>
    private static async Task<long> ReadAsync(IByteSource source, long offset, Memory<byte> into, CancellationToken cancellationToken)
    {
        await source.ReadExactlyAsync(offset, into, cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetTimestamp();
    }

    /// <summary>The oldest read the consumer has not waited for, waited for; null when every read was consumed.</summary>
    public Read? NextInOrder()
    {
        var read = _active.Find(r => !r.Consumed);
        if (read is not null)
        {
            Await(read);
        }

        return read;
    }

    /// <summary>Waits for <paramref name="read"/>, which the consumer needs now; only this wait counts as read time.</summary>
    public void Await(Read read)
    {
        if (read.Consumed)
        {
            return;
        }

        long waitStart = Stopwatch.GetTimestamp();
        long completedAt = read.Completed.GetAwaiter().GetResult();
        long now = Stopwatch.GetTimestamp();
        _window.ReadConsumed(read.Ticket, completedAt, read.Length, waitTicks: now - waitStart, consumedAt: now);
        _timings?.AddRead(now - waitStart);
        read.Consumed = true;
        _unconsumed--;
    }

    /// <summary>The consumer is done with <paramref name="read"/> (it was consumed): its buffer goes back to the pool.</summary>
    public void Release(Read read)
    {
        _active.Remove(read);
        BytesRead += read.Length;
        _bytesHeld -= read.Buffer?.Length ?? 0;
        ReturnBuffer(read.Buffer);
    }

    public void Dispose()
    {
        _timings?.SetReadAheadSteps(_window.Steps);
        // Let reads still in flight finish before their buffers go back to the pool.
        foreach (var read in _active)
        {
            try
            {
                read.Completed.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // already failing; the first error is the one reported
            }

            ReturnBuffer(read.Buffer);
        }

        _active.Clear();
    }

    private static void ReturnBuffer(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
