using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Output;

/// <summary>
/// The encoding stage: one thread per worker, each with its own encoder, worst-case-sized scratch buffer and one
/// packed tile buffer (for tiles that must be cut: edges, encoders without a row pitch), taking raw tiles in any order. The encoded bytes are copied into a right-sized pooled buffer (~10 KB instead of
/// tjBufSize's ~200 KB), so tiles waiting for the ordered writer cost little memory. Dedicated threads, not the
/// thread pool: <see cref="Add"/> blocks the producer when <paramref name="capacity"/> tiles are queued.
/// </summary>
internal sealed class TileEncoderWorkers
{
    private readonly ITileEncoderFactory _factory;
    private readonly BlockingCollection<TileJob> _work;
    private readonly Action<Exception> _fail;
    private readonly CancellationToken _stop;
    private readonly StageTimings? _timings;
    private readonly Thread[] _threads;

    public TileEncoderWorkers(ITileEncoderFactory factory, int threads, int capacity, Action<Exception> fail,
        CancellationToken stop, StageTimings? timings)
    {
        _factory = factory;
        _work = new BlockingCollection<TileJob>(capacity);
        _fail = fail;
        _stop = stop;
        _timings = timings;
        _threads = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            _threads[i] = new Thread(EncodeLoop) { IsBackground = true, Name = $"tile-encoder-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Queues a tile for encoding; blocks while the queue is full.</summary>
    public void Add(TileJob job) => _work.Add(job, _stop);

    /// <summary>No more tiles: the workers finish what is queued and stop.</summary>
    public void CompleteAdding() => _work.CompleteAdding();

    public Task JoinAsync() => Task.Run(() =>
    {
        foreach (var thread in _threads)
        {
            thread.Join();
        }
    });

    private void EncodeLoop()
    {
        try
        {
            using var encoder = _factory.Create();
            byte[] scratch = new byte[encoder.MaxEncodedLength];
            byte[] packed = new byte[_factory.Format.ByteCount];
            foreach (var job in _work.GetConsumingEnumerable(_stop))
            {
                Encode(encoder, packed, scratch, job);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _fail(e);
        }
    }

    private void Encode(ITileEncoder encoder, byte[] packed, byte[] scratch, TileJob job)
    {
        try
        {
            int length = EncodeInPlace(encoder, packed, scratch, job.Pixels);
            byte[] output = ArrayPool<byte>.Shared.Rent(length);
            scratch.AsSpan(0, length).CopyTo(output);
            job.Complete(output, length);
        }
        catch (Exception e)
        {
            job.Fail(e);
            _fail(e);
        }
        finally
        {
            job.Pixels.Release();
        }
    }

    /// <summary>
    /// Encodes the tile where it lies when it can: a whole tile whose rows are packed (a level exactly one tile
    /// wide), or any whole tile for an encoder that takes a row pitch (libjpeg-turbo). Otherwise — edge tiles, which
    /// need padding, and encoders that want packed rows — the tile is first cut into this worker's own buffer, on the
    /// worker rather than the producer thread.
    /// </summary>
    private int EncodeInPlace(ITileEncoder encoder, byte[] packed, byte[] scratch, TileView tile)
    {
        var format = _factory.Format;
        long start = Stopwatch.GetTimestamp();
        int length;
        if (tile.IsWhole(format) && tile.Pitch == format.RowBytes)
        {
            length = encoder.Encode(tile.Span(format.SamplesPerPixel), scratch);
        }
        else if (tile.IsWhole(format) && encoder is IStridedTileEncoder strided)
        {
            length = strided.Encode(tile.Span(format.SamplesPerPixel), tile.Pitch, scratch);
        }
        else
        {
            tile.CopyTo(packed, format);
            long cut = Stopwatch.GetTimestamp();
            _timings?.AddTileCut(cut - start);
            start = cut;
            length = encoder.Encode(packed, scratch);
        }

        _timings?.AddEncode(Stopwatch.GetTimestamp() - start);
        return length;
    }
}
