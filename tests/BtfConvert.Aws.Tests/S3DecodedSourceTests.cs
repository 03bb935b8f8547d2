using BtfConvert.Aws.Tests.Support;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;

namespace BtfConvert.Aws.Tests;

/// <summary>
/// A compressed input (LZW tiles and strips) decoded straight from S3 ranges: the same output bytes as from memory,
/// and the compressed chunks fetched with few large ranged GETs (read size each), never one per tile or strip.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3DecodedSourceTests(S3ServerFixture server) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_compressed_input_converts_from_s3_identically_in_few_large_reads(bool tiled)
    {
        server.Require();
        string path = _dir.File("lzw.tif");
        LzwTiffWriter.Write(path, 1800, 1400, 8, tiled ? (64, 64) : null);
        byte[] input = await File.ReadAllBytesAsync(path);
        string key = server.NewKey(Conversions.InputName);
        await server.PutAsync(key, input);
        var options = Conversions.Options(TileCompression.Deflate);
        byte[] expected = await Conversions.ReferenceAsync(input, options);

        const int readSize = 256 << 10;
        using var storage = new S3Storage(server.Settings().WithReads(readSize: readSize, initialReads: 3));
        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);
        var sink = new MemoryByteSink();
        await Conversions.ConvertAsync(source, sink, options);

        Assert.Equal(expected, sink.Committed);
        // 175 strips or 638 tiles; inspection (2 GETs), LibTiff.NET's directory window, then the chunks in
        // 256 KiB ranges (a range ends at a chunk boundary, so a read holds a little less): a few more GETs than
        // the object has read-size units, against 175 or 638 for one per chunk.
        int units = (int)((input.Length + readSize - 1) / readSize);
        Assert.True(source.GetRequests <= units + 6, $"{source.GetRequests} GETs for {input.Length:N0} bytes ({units} read-size units)");
        Assert.True(source.BytesReceived < (input.Length * 2L) + (2 << 20), $"{source.BytesReceived:N0} bytes received for {input.Length:N0}");
    }

    [SkippableFact]
    public async Task A_compressed_input_over_slow_connections_gets_more_reads_in_flight_and_the_same_output()
    {
        server.Require();
        string path = _dir.File("lzw.tif");
        LzwTiffWriter.Write(path, 1800, 1400, 8, tile: null);
        byte[] input = await File.ReadAllBytesAsync(path);
        string key = server.NewKey(Conversions.InputName);
        await server.PutAsync(key, input);
        var options = Conversions.Options(TileCompression.Deflate);
        byte[] expected = await Conversions.ReferenceAsync(input, options);
        // 20 ms and 1 MB/s per connection with 64 KiB ranges: each read takes ~85 ms, so the decoder waits and two
        // reads ahead (the start) leave most of the link idle.
        await using var proxy = new TcpFaultProxy(server.Port) { Latency = TimeSpan.FromMilliseconds(20), BytesPerSecondPerConnection = 1_000_000 };
        using var storage = new S3Storage(server.Settings(proxy.Endpoint).WithReads(readSize: 64 << 10, initialReads: 2) with { MaxConcurrentReads = 16 });
        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);
        var sink = new MemoryByteSink();
        var result = await Conversions.ConvertAsync(source, sink, options);

        Assert.Equal(expected, sink.Committed);
        Assert.NotEmpty(result.Stages!.ReadAheadSteps);
        Assert.True(result.Stages.PeakReadsAhead > 4, $"read-ahead peaked at {result.Stages.PeakReadsAhead}");
        Assert.True(proxy.PeakConnections > 4, $"{proxy.PeakConnections} connections at once");
    }
}
