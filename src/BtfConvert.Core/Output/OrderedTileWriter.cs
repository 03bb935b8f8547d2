using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Output;

/// <summary>
/// The writing stage: appends encoded tiles to the sink strictly in the order they were enqueued (whatever order
/// the encoders finish in), so every offset — and the whole output — depends only on the input and options. Each
/// tile's offset and byte count go into the <see cref="OutputLayout"/>; a duplicate of an earlier small tile is
/// not written again but points at the earlier one. Tiles of the overview levels (<see cref="OutputLayout.IsWrittenLast"/>)
/// are kept (encoded, a few MB at most) and written after all others, level by level, so each overview level is
/// one contiguous run at the end of the file.
/// </summary>
internal sealed class OrderedTileWriter
{
    private readonly Channel<TileJob> _ordered = Channel.CreateUnbounded<TileJob>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly IByteSink _sink;
    private readonly OutputLayout _layout;
    private readonly DuplicateTileIndex? _duplicates;
    private readonly Action _written;
    private readonly Action<Exception> _fail;
    private readonly CancellationToken _stop;
    private readonly StageTimings? _timings;
    private readonly byte[]?[][] _overview;

    /// <param name="written">Called after each tile has left the pipeline (written or found a duplicate).</param>
    public OrderedTileWriter(IByteSink sink, OutputLayout layout, bool deduplicate, Action written,
        Action<Exception> fail, CancellationToken stop, StageTimings? timings)
    {
        _sink = sink;
        _layout = layout;
        _duplicates = deduplicate ? new DuplicateTileIndex() : null;
        _written = written;
        _fail = fail;
        _stop = stop;
        _timings = timings;
        _overview = Enumerable.Range(0, layout.LevelCount)
            .Select(level => layout.IsWrittenLast(level) ? new byte[]?[layout.TileCount(level)] : []).ToArray();
        Completion = Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    /// <summary>Ends when every enqueued tile is written, or with the first failure.</summary>
    public Task Completion { get; }

    public long TilesWritten { get; private set; }
    public long DuplicateTiles { get; private set; }

    /// <summary>Fixes the tile's place in the output order; call in submission order, before encoding starts.</summary>
    public void Enqueue(TileJob job) => _ordered.Writer.TryWrite(job);

    /// <summary>No more tiles: the writer finishes what is enqueued and stops.</summary>
    public void Complete() => _ordered.Writer.TryComplete();

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var job in _ordered.Reader.ReadAllAsync(_stop).ConfigureAwait(false))
            {
                var (encoded, length) = await job.Result.Task.WaitAsync(_stop).ConfigureAwait(false);
                try
                {
                    await WriteTileAsync(job, encoded.AsMemory(0, length)).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(encoded);
                }

                _written();
            }

            // Only after every tile was produced: a cancelled or failed run has nothing more to write.
            _stop.ThrowIfCancellationRequested();
            await WriteOverviewAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _fail(e);
            throw;
        }
    }

    private async ValueTask WriteTileAsync(TileJob job, ReadOnlyMemory<byte> encoded)
    {
        if (_layout.IsWrittenLast(job.Level))
        {
            _overview[job.Level][job.TileIndex] = encoded.ToArray();
            return;
        }

        await AppendTileAsync(job.Level, job.TileIndex, encoded).ConfigureAwait(false);
    }

    private async ValueTask WriteOverviewAsync()
    {
        for (int level = 0; level < _overview.Length; level++)
        {
            for (int index = 0; index < _overview[level].Length; index++)
            {
                // A tile never produced is the pyramid's failure to report (TiffConverter checks it is complete).
                if (_overview[level][index] is not { } tile)
                {
                    continue;
                }

                _overview[level][index] = null;
                await AppendTileAsync(level, index, tile).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask AppendTileAsync(int level, int tileIndex, ReadOnlyMemory<byte> encoded)
    {
        TilesWritten++;
        if (_duplicates is not null && _duplicates.TryFindOrRemember(encoded.Span, _sink.Position, out long earlier))
        {
            _layout.RecordTile(level, tileIndex, earlier, encoded.Length);
            DuplicateTiles++;
            return;
        }

        _layout.RecordTile(level, tileIndex, _sink.Position, encoded.Length);
        long start = Stopwatch.GetTimestamp();
        await _sink.AppendAsync(encoded, _stop).ConfigureAwait(false);
        _timings?.AddWrite(Stopwatch.GetTimestamp() - start);
    }
}
