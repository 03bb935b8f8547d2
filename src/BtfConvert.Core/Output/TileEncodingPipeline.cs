using System.Diagnostics;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Output;

/// <summary>
/// Encodes tiles on N worker threads (<see cref="TileEncoderWorkers"/>) and appends them to the sink strictly in
/// submission order (<see cref="OrderedTileWriter"/>), so offsets — and the whole output — depend only on the input
/// and options, never on thread timing. At most <see cref="MaxQueued"/> raw tiles (views into level bands, see
/// <see cref="PyramidLevel"/>) wait for an encoder and at most
/// <see cref="MaxInFlight"/> tiles are between submission and write; a full pipeline blocks the submitter, which
/// pauses reading (back-pressure instead of growing memory). The 256 encoded tiles the write queue may hold beyond
/// the raw ones are cheap (right-sized, ~10 KB each) and smooth out a writer or a tile that is momentarily slow
/// while both cores keep encoding. The first failure of any stage stops them all.
/// </summary>
internal sealed class TileEncodingPipeline : ITileSink
{
    private readonly IByteSink _sink;
    private readonly CancellationTokenSource _failure;
    private readonly StageTimings? _timings;
    private readonly SemaphoreSlim _inFlight;
    private readonly TileEncoderWorkers _encoders;
    private readonly OrderedTileWriter _writer;
    private Exception? _error;

    public TileEncodingPipeline(ITileEncoderFactory factory, int threads, IByteSink sink, OutputLayout layout,
        bool deduplicate, CancellationToken cancellationToken, StageTimings? timings = null)
    {
        _timings = timings;
        _sink = sink;
        _failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        MaxQueued = Math.Max(16, threads * 16);
        MaxInFlight = MaxQueued + 256;
        _inFlight = new SemaphoreSlim(MaxInFlight, MaxInFlight);
        _encoders = new TileEncoderWorkers(factory, threads, MaxQueued, Fail, _failure.Token, timings);
        _writer = new OrderedTileWriter(sink, layout, deduplicate, () => _inFlight.Release(), Fail, _failure.Token, timings);
    }

    /// <summary>Most raw tiles waiting for an encoder (views: they cost no memory beyond the bands they point into).</summary>
    public int MaxQueued { get; }

    /// <summary>Most tiles between submission and write (raw, being encoded, or encoded and waiting in order).</summary>
    public int MaxInFlight { get; }

    /// <summary>Cancelled when the conversion is cancelled or any stage fails; the producer must watch it.</summary>
    public CancellationToken Token => _failure.Token;

    /// <summary>The first failure of an encoding or writing stage, if any.</summary>
    public Exception? Error => _error;

    public long TilesWritten => _writer.TilesWritten;
    public long DuplicateTiles => _writer.DuplicateTiles;

    public void Submit(int level, int tileIndex, TileView tile)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            _inFlight.Wait(_failure.Token);
        }
        catch (OperationCanceledException)
        {
            tile.Release();
            throw;
        }

        var job = new TileJob(level, tileIndex, tile);
        _writer.Enqueue(job);
        _encoders.Add(job);
        _timings?.AddSubmitWait(Stopwatch.GetTimestamp() - start);
    }

    /// <summary>Waits until every submitted tile is written; rethrows the first failure of any stage.</summary>
    public async Task CompleteAsync()
    {
        _encoders.CompleteAdding();
        _writer.Complete();
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
        _encoders.CompleteAdding();
        _writer.Complete();
        await WhenStoppedAsync().ConfigureAwait(false);
    }

    private async Task WhenStoppedAsync()
    {
        try
        {
            await _writer.Completion.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // recorded in _error by the writer
        }

        await _encoders.JoinAsync().ConfigureAwait(false);
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
}
