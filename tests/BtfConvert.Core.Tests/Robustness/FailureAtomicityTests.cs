using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tests.Support;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>
/// Destination failures and cancellation at any point leave nothing at the destination: no file at the final name,
/// no temporary, and the sink aborted (for S3 that is the multipart abort).
/// </summary>
public sealed class FailureAtomicityTests : IDisposable
{
    private static readonly SampleSpec Spec = new() { Width = 700, Height = 500, RowsPerStrip = 32, Seed = 3 };
    private static readonly Lazy<byte[]> Input = new(() =>
    {
        using var stream = new MemoryStream();
        BtfSampleWriter.Write(stream, Spec);
        return stream.ToArray();
    });

    private static readonly ConversionOptions Options = new() { TileSize = 64, Compression = TileCompression.Deflate, Threads = 2 };

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<(SourceInfo Info, MemoryByteSource Source)> OpenAsync()
    {
        var source = new MemoryByteSource("in.btf", Input.Value);
        return (await SourceInspector.InspectAsync(source, CancellationToken.None), source);
    }

    private async Task<long> GoodOutputLengthAsync()
    {
        var (info, source) = await OpenAsync();
        var sink = new MemoryByteSink();
        var result = await TiffConverter.ConvertAsync(info, source, sink, Options, null, CancellationToken.None);
        return result.OutputBytes;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50_000)]
    [InlineData(400_000)]
    public async Task A_sink_failing_after_N_bytes_leaves_no_file_and_reports_the_IO_error(long failAfter)
    {
        Assert.True(await GoodOutputLengthAsync() > failAfter + 1000);
        var (info, source) = await OpenAsync();
        string path = _dir.File("out.tiff");
        var sink = new FaultingSink(new LocalFileSink(path, overwrite: false)) { FailAfterBytes = failAfter };
        var e = await Assert.ThrowsAsync<IOException>(() => TiffConverter.ConvertAsync(info, source, sink, Options, null, CancellationToken.None));
        Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
        Assert.False(sink.Committed);
        Assert.True(sink.Aborts >= 1);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task A_sink_timing_out_is_an_io_error_naming_the_output_not_a_cancellation()
    {
        var (info, source) = await OpenAsync();
        using var dir = new TempDirectory();
        string path = dir.File("out.tiff");
        var sink = new FaultingSink(new LocalFileSink(path, overwrite: false)) { FailAfterBytes = 50_000, FailAsTimeout = true };
        var e = await Assert.ThrowsAsync<IOException>(() => TiffConverter.ConvertAsync(info, source, sink, Options, null, CancellationToken.None));
        Assert.StartsWith($"{path}: timed out", e.Message, StringComparison.Ordinal);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public async Task Cancelling_after_N_tiles_at_random_points_leaves_nothing()
    {
        var (info, _) = await OpenAsync();
        int tiles = (int)Core.Pyramid.PyramidPlan.Create(info.Main.Width, info.Main.Height, Options.TileSize, Options.TileSize).TotalTiles;
        var random = new Random(12345);
        var points = new[] { 1, tiles - 1 }.Concat(Enumerable.Range(0, 8).Select(_ => random.Next(1, tiles)));
        foreach (int n in points)
        {
            var (info2, source) = await OpenAsync();
            string path = _dir.File($"out-{n}.tiff");
            using var cts = new CancellationTokenSource();
            var sink = new FaultingSink(new LocalFileSink(path, overwrite: false)) { CancelAfterAppends = n, ToCancel = cts };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TiffConverter.ConvertAsync(info2, source, sink, Options, null, cts.Token));
            Assert.False(sink.Committed, $"committed after cancel at tile {n}");
            Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
        }
    }

    [Fact]
    public async Task A_source_failing_mid_read_leaves_nothing()
    {
        var (info, _) = await OpenAsync();
        var source = new FailingSource(new MemoryByteSource("in.btf", Input.Value), failAtOffset: Input.Value.Length / 2);
        string path = _dir.File("out.tiff");
        var sink = new FaultingSink(new LocalFileSink(path, overwrite: false));
        await Assert.ThrowsAsync<IOException>(() => TiffConverter.ConvertAsync(info, source, sink, Options, null, CancellationToken.None));
        Assert.False(sink.Committed);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    /// <summary>A source whose reads past a point fail, like a network dropping in the middle of a large GET.</summary>
    private sealed class FailingSource(IByteSource inner, long failAtOffset) : IByteSource
    {
        public string Name => inner.Name;
        public long Length => inner.Length;
        public int PreferredReadSize => 64 << 10;
        public int PreferredConcurrency => 2;

        public ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
            offset + buffer.Length > failAtOffset
                ? throw new IOException($"{Name}: connection reset (simulated)")
                : inner.ReadExactlyAsync(offset, buffer, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
