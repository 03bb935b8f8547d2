using System.Diagnostics;

namespace BtfConvert.Core;

/// <summary>
/// Time spent per stage of a conversion, accumulated with <see cref="Stopwatch.GetTimestamp"/> from every thread
/// (thread-safe). Stages overlap in time: the producer reads, shrinks and hands out tiles while the workers encode and the
/// writer appends, so the encode total can exceed the wall time on several cores.
/// </summary>
public sealed class StageTimings
{
    private long _read;
    private long _rowCopy;
    private long _downsample;
    private long _tileCut;
    private long _submitWait;
    private long _encode;
    private long _write;
    private long _commit;
    private long _producerCpu;
    private int _peakReads;
    private long _peakReadBytes;
    private IReadOnlyList<ReadAheadStep> _readAheadSteps = [];

    /// <summary>Producer waiting for source reads to complete.</summary>
    public void AddRead(long ticks) => Interlocked.Add(ref _read, ticks);

    /// <summary>Producer copying rows from read buffers into the level-0 band.</summary>
    public void AddRowCopy(long ticks) => Interlocked.Add(ref _rowCopy, ticks);

    /// <summary>Producer shrinking bands 2×2 into the next level.</summary>
    public void AddDownsample(long ticks) => Interlocked.Add(ref _downsample, ticks);

    /// <summary>
    /// Cutting tiles out of a band into a packed buffer (edge replication included): on the encoding workers, only
    /// for edge tiles and encoders without a row pitch (summed over workers).
    /// </summary>
    public void AddTileCut(long ticks) => Interlocked.Add(ref _tileCut, ticks);

    /// <summary>Producer blocked because the encoders are saturated (back-pressure): a full queue, or a band whose
    /// tiles are still being encoded.</summary>
    public void AddSubmitWait(long ticks) => Interlocked.Add(ref _submitWait, ticks);

    /// <summary>Encoding workers compressing tiles (summed over workers).</summary>
    public void AddEncode(long ticks) => Interlocked.Add(ref _encode, ticks);

    /// <summary>Writer appending tiles to the sink.</summary>
    public void AddWrite(long ticks) => Interlocked.Add(ref _write, ticks);

    /// <summary>Writing the head, flushing to disk (fsync) and publishing the output.</summary>
    public void AddCommit(long ticks) => Interlocked.Add(ref _commit, ticks);

    /// <summary>CPU time the producer thread used in all (reading, copying, shrinking, handing out tiles).</summary>
    public void SetProducerCpu(TimeSpan cpu) => Volatile.Write(ref _producerCpu, cpu.Ticks);

    /// <summary>Producer's read-ahead now (reads in flight or waiting, their buffer bytes); the peaks are kept.</summary>
    public void RecordReadAhead(int reads, long bytes)
    {
        // Only the producer thread records, so plain max is enough; Snapshot reads the values after it finished.
        _peakReads = Math.Max(_peakReads, reads);
        _peakReadBytes = Math.Max(_peakReadBytes, bytes);
    }

    /// <summary>How the read-ahead window moved (remote sources; none for local files, whose window is fixed).</summary>
    public void SetReadAheadSteps(IReadOnlyList<ReadAheadStep> steps) => Volatile.Write(ref _readAheadSteps, [.. steps]);

    public StageTimes Snapshot() => new(
        Stopwatch.GetElapsedTime(0, Volatile.Read(ref _read)),
        Stopwatch.GetElapsedTime(0, Volatile.Read(ref _rowCopy)),
        Stopwatch.GetElapsedTime(0, Volatile.Read(ref _downsample)),
        Stopwatch.GetElapsedTime(0, Volatile.Read(ref _tileCut)),
        Stopwatch.GetElapsedTime(0, Volatile.Read(ref _submitWait)),
        Stopwatch.GetElapsedTime(0, Volatile.Read(ref _encode)),
        Stopwatch.GetElapsedTime(0, Volatile.Read(ref _write)),
        Stopwatch.GetElapsedTime(0, Volatile.Read(ref _commit)))
    {
        PeakReadsAhead = Volatile.Read(ref _peakReads),
        PeakReadAheadBytes = Volatile.Read(ref _peakReadBytes),
        ProducerCpu = TimeSpan.FromTicks(Volatile.Read(ref _producerCpu)),
        ReadAheadSteps = Volatile.Read(ref _readAheadSteps),
    };
}

/// <summary>Accumulated time per stage; see <see cref="StageTimings"/> for what each one covers.</summary>
public sealed record StageTimes(
    TimeSpan Read, TimeSpan RowCopy, TimeSpan Downsample, TimeSpan TileCut, TimeSpan SubmitWait, TimeSpan Encode, TimeSpan Write,
    TimeSpan Commit)
{
    /// <summary>Most source reads in flight or waiting for the converter at once (≈ connections to a remote store).</summary>
    public int PeakReadsAhead { get; init; }

    /// <summary>Most bytes of read buffers held at once (bounded by the read-ahead's buffer budget).</summary>
    public long PeakReadAheadBytes { get; init; }

    /// <summary>CPU time of the producer thread (Linux; zero elsewhere): the serial part of a conversion.</summary>
    public TimeSpan ProducerCpu { get; init; }

    /// <summary>Every change of the reads kept ahead, in order (empty when the window was fixed or never moved).</summary>
    public IReadOnlyList<ReadAheadStep> ReadAheadSteps { get; init; } = [];
}

/// <summary>
/// The read-ahead went from <paramref name="From"/> to <paramref name="To"/> reads after <paramref name="From"/>
/// reads delivered <paramref name="BytesPerSecond"/> (reads × bytes per read ÷ time per read); reads were split when
/// <see cref="ReadSize"/> is below <see cref="ReadSizeBefore"/>.
/// </summary>
public readonly record struct ReadAheadStep(int From, int To, double BytesPerSecond)
{
    /// <summary>Bytes per read before the step (0: not recorded).</summary>
    public int ReadSizeBefore { get; init; }

    /// <summary>Bytes per read after the step (0: not recorded).</summary>
    public int ReadSize { get; init; }

    public override string ToString()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string sizes = ReadSize == ReadSizeBefore ? string.Empty
            : string.Create(inv, $" of {ReadSizeBefore / 1048576.0:0.##}→{ReadSize / 1048576.0:0.##} MiB");
        return string.Create(inv, $"{From}→{To}{sizes} ({From} gave {BytesPerSecond / 1e6:0.0} MB/s)");
    }
}
