using BtfConvert.Core.Encoding;
using BtfConvert.Core.Output;

namespace BtfConvert.Core.Tests.Output;

/// <summary>
/// Each stage of <see cref="TileEncodingPipeline"/> on its own — encoding, ordered writing, deduplication — and
/// the pipeline around them, so that a regression names its stage instead of showing up as a byte difference in a
/// whole conversion.
/// </summary>
public class TileEncodingStagesTests
{
    private static readonly Action<Exception> NoFailure = e => Assert.Fail($"unexpected stage failure: {e}");

    // --- encoding stage ---

    [Fact]
    public async Task Encoding_workers_complete_every_job_with_its_own_encoded_bytes()
    {
        var workers = new TileEncoderWorkers(TileStageFixture.Encoder, threads: 3, capacity: 4, NoFailure, CancellationToken.None, null);
        var jobs = Enumerable.Range(0, 20).Select(i => new TileJob(0, i, TileStageFixture.TileOf((byte)i))).ToList();
        foreach (var job in jobs)
        {
            workers.Add(job);
        }

        workers.CompleteAdding();
        await workers.JoinAsync();
        foreach (var job in jobs)
        {
            var (encoded, length) = await job.Result.Task;
            Assert.Equal(TileStageFixture.Format.ByteCount, length);
            Assert.All(encoded.AsSpan(0, length).ToArray(), b => Assert.Equal((byte)job.TileIndex, b));
        }
    }

    [Fact]
    public async Task An_encoder_failure_fails_its_job_and_reports_the_exception_to_the_pipeline()
    {
        var reported = new List<Exception>();
        var workers = new TileEncoderWorkers(new FailingFactory(), threads: 1, capacity: 4, e => { lock (reported) { reported.Add(e); } },
            CancellationToken.None, null);
        var job = new TileJob(0, 0, TileStageFixture.TileOf(1));
        workers.Add(job);
        workers.CompleteAdding();
        await workers.JoinAsync();
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => job.Result.Task);
        Assert.Equal("encoder broke", e.Message);
        Assert.Same(e, Assert.Single(reported));
    }

    // --- ordered writing stage ---

    [Fact]
    public async Task The_writer_appends_in_enqueue_order_whatever_order_encoding_finishes_in()
    {
        var fixture = await TileStageFixture.CreateAsync();
        int written = 0;
        var writer = new OrderedTileWriter(fixture.Sink, fixture.Layout, deduplicate: false, () => written++, NoFailure,
            CancellationToken.None, null);
        var jobs = Enumerable.Range(0, 6).Select(i => new TileJob(0, i, default)).ToList();
        jobs.ForEach(writer.Enqueue);
        writer.Complete();
        foreach (int i in new[] { 5, 3, 4, 1, 2, 0 })
        {
            jobs[i].Complete(TileStageFixture.BytesOf((byte)(10 + i)), TileStageFixture.Format.ByteCount);
        }

        await writer.Completion;
        await fixture.CommitAsync();
        Assert.Equal(new byte[] { 10, 11, 12, 13, 14, 15 }, fixture.WrittenTileValues());
        Assert.Equal(6, written);
        Assert.Equal(6, writer.TilesWritten);
        var recorded = await fixture.RecordedTilesAsync(level: 0);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (fixture.OffsetOfAppended(i), 256UL)), recorded);
    }

    [Fact]
    public async Task The_writer_records_tiles_in_their_level_and_index_not_in_arrival_order()
    {
        var fixture = await TileStageFixture.CreateAsync();
        var writer = new OrderedTileWriter(fixture.Sink, fixture.Layout, deduplicate: false, () => { }, NoFailure, CancellationToken.None, null);
        // Level 1 (one tile) between two level-0 tiles, and level-0 tiles out of index order.
        var jobs = new[] { new TileJob(0, 4, default), new TileJob(1, 0, default), new TileJob(0, 2, default) };
        foreach (var (job, value) in jobs.Zip(new byte[] { 40, 100, 20 }))
        {
            writer.Enqueue(job);
            job.Complete(TileStageFixture.BytesOf(value), TileStageFixture.Format.ByteCount);
        }

        writer.Complete();
        await writer.Completion;
        await fixture.CommitAsync();
        var level0 = await fixture.RecordedTilesAsync(0);
        var level1 = await fixture.RecordedTilesAsync(1);
        Assert.Equal((fixture.OffsetOfAppended(0), 256UL), level0[4]);
        Assert.Equal((fixture.OffsetOfAppended(1), 256UL), level1[0]);
        Assert.Equal((fixture.OffsetOfAppended(2), 256UL), level0[2]);
        Assert.Equal((0UL, 0UL), level0[0]); // never written, never recorded
    }

    [Fact]
    public async Task With_deduplication_an_identical_tile_points_at_the_first_copy_and_is_not_written_again()
    {
        var fixture = await TileStageFixture.CreateAsync();
        var writer = new OrderedTileWriter(fixture.Sink, fixture.Layout, deduplicate: true, () => { }, NoFailure, CancellationToken.None, null);
        byte[] values = [7, 9, 7, 7, 9, 3];
        for (int i = 0; i < values.Length; i++)
        {
            var job = new TileJob(0, i, default);
            writer.Enqueue(job);
            job.Complete(TileStageFixture.BytesOf(values[i]), TileStageFixture.Format.ByteCount);
        }

        writer.Complete();
        await writer.Completion;
        await fixture.CommitAsync();
        Assert.Equal(new byte[] { 7, 9, 3 }, fixture.WrittenTileValues());
        Assert.Equal(6, writer.TilesWritten);
        Assert.Equal(3, writer.DuplicateTiles);
        var offsets = (await fixture.RecordedTilesAsync(0)).Select(t => t.Offset);
        int[] appended = [0, 1, 0, 0, 1, 2];
        Assert.Equal(appended.Select(fixture.OffsetOfAppended), offsets);
    }

    [Fact]
    public async Task A_failed_encoding_stops_the_writer_before_it_writes_that_tile()
    {
        var fixture = await TileStageFixture.CreateAsync();
        var reported = new List<Exception>();
        var writer = new OrderedTileWriter(fixture.Sink, fixture.Layout, deduplicate: false, () => { }, reported.Add, CancellationToken.None, null);
        var ok = new TileJob(0, 0, default);
        var broken = new TileJob(0, 1, default);
        writer.Enqueue(ok);
        writer.Enqueue(broken);
        writer.Complete();
        ok.Complete(TileStageFixture.BytesOf(1), TileStageFixture.Format.ByteCount);
        broken.Fail(new InvalidDataException("encoder broke"));
        await Assert.ThrowsAsync<InvalidDataException>(() => writer.Completion);
        Assert.Equal(1, writer.TilesWritten);
        Assert.IsType<InvalidDataException>(Assert.Single(reported));
    }

    // --- deduplication ---

    [Fact]
    public void The_duplicate_index_finds_equal_bytes_and_keeps_the_first_offset()
    {
        var index = new DuplicateTileIndex();
        Assert.False(index.TryFindOrRemember([1, 2, 3], 100, out _));
        Assert.False(index.TryFindOrRemember([1, 2, 4], 200, out _));
        Assert.True(index.TryFindOrRemember([1, 2, 3], 300, out long offset));
        Assert.Equal(100, offset);
        Assert.True(index.TryFindOrRemember([1, 2, 4], 400, out offset));
        Assert.Equal(200, offset);
    }

    [Fact]
    public void The_duplicate_index_ignores_tiles_over_4096_bytes()
    {
        var index = new DuplicateTileIndex();
        var large = new byte[DuplicateTileIndex.CandidateMaxLength + 1];
        Assert.False(index.TryFindOrRemember(large, 100, out _));
        Assert.False(index.TryFindOrRemember(large, 200, out _));
        var largest = new byte[DuplicateTileIndex.CandidateMaxLength];
        Assert.False(index.TryFindOrRemember(largest, 300, out _));
        Assert.True(index.TryFindOrRemember(largest, 400, out _));
    }

    [Fact]
    public void The_duplicate_index_stops_remembering_after_256_candidates_but_still_finds_those()
    {
        var index = new DuplicateTileIndex();
        for (int i = 0; i < DuplicateTileIndex.MaxCandidates + 1; i++)
        {
            Assert.False(index.TryFindOrRemember(BitConverter.GetBytes(i), i, out _));
        }

        Assert.True(index.TryFindOrRemember(BitConverter.GetBytes(DuplicateTileIndex.MaxCandidates - 1), -1, out long kept));
        Assert.Equal(DuplicateTileIndex.MaxCandidates - 1, kept);
        Assert.False(index.TryFindOrRemember(BitConverter.GetBytes(DuplicateTileIndex.MaxCandidates), -1, out _));
    }

    // --- the pipeline around the stages ---

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task The_pipeline_writes_submitted_tiles_in_submission_order(int threads)
    {
        var fixture = await TileStageFixture.CreateAsync();
        var pipeline = new TileEncodingPipeline(TileStageFixture.Encoder, threads, fixture.Sink, fixture.Layout, deduplicate: false,
            CancellationToken.None);
        for (int i = 0; i < 6; i++)
        {
            pipeline.Submit(0, i, TileStageFixture.TileOf((byte)(i + 1)));
        }

        pipeline.Submit(1, 0, TileStageFixture.TileOf(99));
        await pipeline.CompleteAsync();
        await fixture.CommitAsync();
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 99 }, fixture.WrittenTileValues());
        Assert.Equal(7, pipeline.TilesWritten);
        Assert.Null(pipeline.Error);
    }

    [Fact]
    public async Task An_encoder_failure_in_the_pipeline_is_its_error_and_cancels_the_producer()
    {
        var fixture = await TileStageFixture.CreateAsync();
        var pipeline = new TileEncodingPipeline(new FailingFactory(), 2, fixture.Sink, fixture.Layout, deduplicate: false, CancellationToken.None);
        pipeline.Submit(0, 0, TileStageFixture.TileOf(1));
        var e = await Assert.ThrowsAsync<InvalidDataException>(pipeline.CompleteAsync);
        Assert.Equal("encoder broke", e.Message);
        Assert.Same(e, pipeline.Error);
        Assert.True(pipeline.Token.IsCancellationRequested);
    }

    private sealed class FailingFactory() : TileEncoderFactory("failing", TileStageFixture.Format, 1, null)
    {
        public override ITileEncoder Create() => new Failing();

        private sealed class Failing : ITileEncoder
        {
            public int MaxEncodedLength => 16;

            public int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination) => throw new InvalidDataException("encoder broke");

            public void Dispose()
            {
            }
        }
    }
}
