using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Conversion;

/// <summary>
/// Encodes tiles on N worker threads and appends them to the sink strictly in submission order, so offsets — and
/// the whole output — depend only on the input and options, never on thread timing. At most
/// <see cref="MaxQueued"/> raw tiles wait for an encoder and at most <see cref="MaxInFlight"/> tiles are between
/// submission and write; a full pipeline blocks the submitter, which pauses reading (back-pressure instead of growing
/// memory). Encoded tiles are copied out of the worker's worst-case-sized scratch buffer into a right-sized pooled one
/// (~10 KB instead of tjBufSize's ~200 KB), so a deep write queue costs little memory and smooths out a writer or
/// a tile that is momentarily slow while both cores keep encoding.
/// </summary>
public sealed class TileEncodingPipeline : ITileSink
{
    private const int DuplicateCandidateMaxLength = 4096;
    private const int MaxDuplicateCandidates = 256;

    private readonly ITileEncoderFactory _factory;
    private readonly IByteSink _sink;
    private readonly OutputLayout _layout;
    private readonly bool _deduplicate;
    private readonly CancellationTokenSource _failure;
    private readonly StageTimings? _timings;
    private readonly BlockingCollection<TileJob> _work;
    private readonly Channel<TileJob> _ordered = Channel.CreateUnbounded<TileJob>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _inFlight;
    private readonly Thread[] _workers;
    private readonly Task _writer;
    private readonly Dictionary<int, List<(byte[] Bytes, long Offset)>> _seen = [];
    private int _seenCount;
    private Exception? _error;

    public TileEncodingPipeline(ITileEncoderFactory factory, int threads, IByteSink sink, OutputLayout layout,
        bool deduplicate, CancellationToken cancellationToken, StageTimings? timings = null)
    {
        _timings = timings;
        _factory = factory;
        _sink = sink;
        _layout = layout;
        _deduplicate = deduplicate;
        _failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        MaxQueued = Math.Max(16, threads * 16);
        MaxInFlight = MaxQueued + 256;
        _inFlight = new SemaphoreSlim(MaxInFlight, MaxInFlight);
        _work = new BlockingCollection<TileJob>(MaxQueued);
        _workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            _workers[i] = new Thread(EncodeLoop) { IsBackground = true, Name = $"tile-encoder-{i}" };
            _workers[i].Start();
        }

        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    /// <summary>Most raw tiles waiting for an encoder (each holds a tile of pixels).</summary>
    public int MaxQueued { get; }

    /// <summary>Most tiles between submission and write (raw, being encoded, or encoded and waiting in order).</summary>
    public int MaxInFlight { get; }

    /// <summary>Cancelled when the conversion is cancelled or any stage fails; the producer must watch it.</summary>
    public CancellationToken Token => _failure.Token;

    /// <summary>The first failure of an encoding or writing stage, if any.</summary>
    public Exception? Error => _error;

    public long TilesWritten { get; private set; }
    public long DuplicateTiles { get; private set; }

    public void Submit(int level, int tileIndex, byte[] pixels)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            _inFlight.Wait(_failure.Token);
        }
        catch (OperationCanceledException)
        {
            ArrayPool<byte>.Shared.Return(pixels);
            throw;
        }

        var job = new TileJob(level, tileIndex, pixels);
        _ordered.Writer.TryWrite(job);
        _work.Add(job, _failure.Token);
        _timings?.AddSubmitWait(Stopwatch.GetTimestamp() - start);
    }

    /// <summary>Waits until every submitted tile is written; rethrows the first failure of any stage.</summary>
    public async Task CompleteAsync()
    {
        _work.CompleteAdding();
        _ordered.Writer.TryComplete();
        await WhenStoppedAsync().ConfigureAwait(false);
        if (_error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_error);
        }

        // Stages stop early only on failure or cancellation; either way the output is incomplete.
        _failure.Token.ThrowIfCancellationRequested();
    }

    /// <summary>Stops every stage after a failure elsewhere and waits for them.</summary>
    public async Task AbandonAsync()
    {
        _failure.Cancel();
        _work.CompleteAdding();
        _ordered.Writer.TryComplete();
        await WhenStoppedAsync().ConfigureAwait(false);
    }

    private async Task WhenStoppedAsync()
    {
        try
        {
            await _writer.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // recorded in _error by the writer loop
        }

        await Task.Run(() =>
        {
            foreach (var w in _workers)
            {
                w.Join();
            }
        }).ConfigureAwait(false);
    }

    private void Fail(Exception e)
    {
        if (e is OperationCanceledException && !_failure.IsCancellationRequested)
        {
            // Not our cancellation: a stage timed out (an HTTP client's TaskCanceledException, say). Reported as
            // such, it would read as "cancelled" or as an internal error instead of the I/O failure it is.
            e = new IOException($"{_sink.Name}: timed out writing the output ({e.Message})", e);
        }

        if (e is not OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }

        _failure.Cancel();
    }

    private void EncodeLoop()
    {
        try
        {
            using var encoder = _factory.Create();
            byte[] scratch = new byte[encoder.MaxEncodedLength];
            foreach (var job in _work.GetConsumingEnumerable(_failure.Token))
            {
                try
                {
                    long start = Stopwatch.GetTimestamp();
                    int length = encoder.Encode(job.Pixels.AsSpan(0, _factory.Format.ByteCount), scratch);
                    byte[] output = ArrayPool<byte>.Shared.Rent(length);
                    scratch.AsSpan(0, length).CopyTo(output);
                    _timings?.AddEncode(Stopwatch.GetTimestamp() - start);
                    job.Complete(output, length);
                }
                catch (Exception e)
                {
                    job.Fail(e);
                    Fail(e);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(job.Pixels);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var job in _ordered.Reader.ReadAllAsync(_failure.Token).ConfigureAwait(false))
            {
                var (encoded, length) = await job.Result.Task.WaitAsync(_failure.Token).ConfigureAwait(false);
                try
                {
                    await WriteTileAsync(job, encoded, length).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(encoded);
                }

                _inFlight.Release();
            }
        }
        catch (Exception e)
        {
            Fail(e);
            throw;
        }
    }

    private async ValueTask WriteTileAsync(TileJob job, byte[] encoded, int length)
    {
        TilesWritten++;
        _layout.TileByteCounts[job.Level][job.TileIndex] = length;
        if (_deduplicate && length <= DuplicateCandidateMaxLength)
        {
            // Blank background tiles encode to identical bytes; point every copy at the first one.
            int hash = HashOf(encoded.AsSpan(0, length));
            if (_seen.TryGetValue(hash, out var candidates))
            {
                foreach (var (bytes, offset) in candidates)
                {
                    if (bytes.AsSpan().SequenceEqual(encoded.AsSpan(0, length)))
                    {
                        _layout.TileOffsets[job.Level][job.TileIndex] = offset;
                        DuplicateTiles++;
                        return;
                    }
                }
            }

            if (_seenCount < MaxDuplicateCandidates)
            {
                if (candidates is null)
                {
                    _seen[hash] = candidates = [];
                }

                candidates.Add((encoded.AsSpan(0, length).ToArray(), _sink.Position));
                _seenCount++;
            }
        }

        _layout.TileOffsets[job.Level][job.TileIndex] = _sink.Position;
        long start = Stopwatch.GetTimestamp();
        await _sink.AppendAsync(encoded.AsMemory(0, length), _failure.Token).ConfigureAwait(false);
        _timings?.AddWrite(Stopwatch.GetTimestamp() - start);
    }

    private static int HashOf(ReadOnlySpan<byte> bytes)
    {
        var h = default(HashCode);
        h.AddBytes(bytes);
        return h.ToHashCode();
    }

    private sealed class TileJob(int level, int tileIndex, byte[] pixels)
    {
        public int Level { get; } = level;
        public int TileIndex { get; } = tileIndex;
        public byte[] Pixels { get; } = pixels;
        public TaskCompletionSource<(byte[] Encoded, int Length)> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(byte[] encoded, int length) => Result.TrySetResult((encoded, length));

        public void Fail(Exception e) => Result.TrySetException(e);
    }
}
