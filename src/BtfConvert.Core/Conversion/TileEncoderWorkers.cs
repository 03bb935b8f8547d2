using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using BtfConvert.Core.Encoding;

namespace BtfConvert.Core.Conversion;

/// <summary>
/// The encoding stage: one thread per worker, each with its own encoder and worst-case-sized scratch buffer, taking
/// raw tiles in any order. The encoded bytes are copied into a right-sized pooled buffer (~10 KB instead of
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
            foreach (var job in _work.GetConsumingEnumerable(_stop))
            {
                Encode(encoder, scratch, job);
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

    private void Encode(ITileEncoder encoder, byte[] scratch, TileJob job)
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
            _fail(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(job.Pixels);
        }
    }
}
