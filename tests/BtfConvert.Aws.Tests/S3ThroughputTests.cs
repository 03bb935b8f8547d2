using BtfConvert.Aws.Tests.Support;
using BtfConvert.Cli;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;

namespace BtfConvert.Aws.Tests;

/// <summary>
/// Reading over a slow link (the shaping proxy in front of s3rver, with small caps so the tests stay quick):
/// the read-ahead grows past the old fixed four when each connection is slow, stays within its budget, backs off
/// when the store answers 503 SlowDown, and the output is the local conversion's bytes. No timing is asserted.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3ThroughputTests(S3ServerFixture server) : IDisposable
{
    // 2000×1500 RGB: 9 MB of strips, 137 reads of 64 KiB.
    private static readonly byte[] Input = SampleInputs.Btf(2000, 1500);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(string Key, byte[] Expected)> StageAsync(ConversionOptions options)
    {
        string key = server.NewKey(Conversions.InputName);
        await server.PutAsync(key, Input);
        return (key, await Conversions.ReferenceAsync(Input, options));
    }

    private async Task<(ConversionResult Result, byte[] Output)> ConvertToMemoryAsync(S3ByteSource source, ConversionOptions options)
    {
        var sink = new MemoryByteSink();
        var result = await Conversions.ConvertAsync(source, sink, options);
        return (result, sink.Committed!);
    }

    [SkippableFact]
    public async Task Slow_connections_get_more_than_four_reads_in_flight_and_the_output_is_identical()
    {
        server.Require();
        var options = Conversions.Options(TileCompression.Deflate);
        var (key, expected) = await StageAsync(options);
        // 1 MB/s and 20 ms per connection: the link, not the converter, is the limit, and every doubling of the
        // reads in flight doubles throughput, far beyond the noise the window ignores.
        await using var proxy = new TcpFaultProxy(server.Port) { Latency = TimeSpan.FromMilliseconds(20), BytesPerSecondPerConnection = 1_000_000 };
        using var storage = new S3Storage(server.Settings(proxy.Endpoint) with { ReadConcurrency = 2, MaxConcurrentReads = 16 });
        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);

        var (result, output) = await ConvertToMemoryAsync(source, options);

        Assert.Equal(expected, output);
        Assert.True(result.Stages!.PeakReadsAhead > 4, $"read-ahead peaked at {result.Stages.PeakReadsAhead}");
        Assert.True(source.PeakConcurrentGets > 4, $"{source.PeakConcurrentGets} GETs at once");
        Assert.True(proxy.PeakConnections > 4, $"{proxy.PeakConnections} connections at once");
        Assert.Equal(0, source.Retries);
    }

    [SkippableFact]
    public async Task Slow_reads_are_split_into_more_smaller_ones_within_the_same_budget()
    {
        server.Require();
        var options = Conversions.Options(TileCompression.Deflate);
        var (key, expected) = await StageAsync(options);
        // 1 MB/s per connection: a 512 KiB read takes ~0.55 s, mostly body. 2 MiB of buffers (plus the band that
        // reads fill in place) bound the window; split to 256 and then 128 KiB, the same bytes carry more connections.
        // Whatever the window does, the pooled buffers never pass the 2 MiB.
        await using var proxy = new TcpFaultProxy(server.Port) { Latency = TimeSpan.FromMilliseconds(20), BytesPerSecondPerConnection = 1_000_000 };
        using var storage = new S3Storage(server.Settings(proxy.Endpoint) with
        {
            ReadSize = 512 << 10,
            MinReadSize = 128 << 10,
            ReadConcurrency = 2,
            DefaultReadBudget = 2 << 20,
        });
        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);

        var (result, output) = await ConvertToMemoryAsync(source, options);

        Assert.Equal(expected, output);
        var steps = result.Stages!.ReadAheadSteps;
        Assert.Contains(steps, s => s.ReadSize < s.ReadSizeBefore);
        Assert.True(source.PeakConcurrentGets > 4, $"{source.PeakConcurrentGets} GETs at once; steps {string.Join(", ", steps)}");
        Assert.InRange(result.Stages.PeakReadAheadBytes, 0, 2 << 20);
    }

    [SkippableFact]
    public async Task The_read_ahead_stays_within_its_budget()
    {
        server.Require();
        var options = Conversions.Options(TileCompression.Deflate);
        var (key, expected) = await StageAsync(options);
        await using var proxy = new TcpFaultProxy(server.Port) { Latency = TimeSpan.FromMilliseconds(20), BytesPerSecondPerConnection = 1_000_000 };
        const int cap = 6;
        using var storage = new S3Storage(server.Settings(proxy.Endpoint) with { ReadConcurrency = 2, MaxConcurrentReads = cap });
        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);

        var (result, output) = await ConvertToMemoryAsync(source, options);

        Assert.Equal(expected, output);
        // It grows to the cap (so the bound is what stopped it) and never past it, in reads or in bytes.
        Assert.Equal(cap, result.Stages!.PeakReadsAhead);
        // Runs read straight into the level-0 band hold no read buffer at all (0 bytes when every run fits a band).
        Assert.InRange(result.Stages.PeakReadAheadBytes, 0, cap * (64L << 10));
        Assert.InRange(source.PeakConcurrentGets, 1, cap);
    }

    [SkippableFact]
    public async Task Slow_down_answers_halve_the_gets_in_flight_and_the_conversion_still_succeeds()
    {
        server.Require();
        var options = Conversions.Options(TileCompression.Deflate);
        var (key, expected) = await StageAsync(options);
        await using var proxy = new TcpFaultProxy(server.Port) { Latency = TimeSpan.FromMilliseconds(5) };
        using var storage = new S3Storage(server.Settings(proxy.Endpoint) with { ReadConcurrency = 8, MaxConcurrentReads = 8 });
        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);
        var info = await SourceInspector.InspectAsync(source, default);
        // The first eight pixel GETs, all sent at once, are answered 503 SlowDown.
        proxy.Arm("GET", FaultKind.SlowDown, 8);

        var sink = new MemoryByteSink();
        await TiffConverter.ConvertAsync(info, source, sink, options, null, default);

        Assert.Equal(expected, sink.Committed);
        Assert.Equal(8, proxy.FaultsInjected);
        Assert.Equal(8, source.Retries);
        Assert.True(source.Throttles >= 1, "the store's 503s did not lower the GETs allowed at once");
        Assert.True(source.LowestGetLimit <= 4, $"lowest GET limit {source.LowestGetLimit}");
    }

    [SkippableFact]
    public async Task The_cli_heads_the_source_once_records_that_etag_and_honours_the_read_cap()
    {
        server.Require();
        string key = server.NewKey("in.btf");
        await server.PutAsync(key, Input);
        await using var proxy = new TcpFaultProxy(server.Port) { Latency = TimeSpan.FromMilliseconds(20), BytesPerSecondPerConnection = 1_000_000 };
        proxy.Arm("HEAD", FaultKind.Reset, 0);   // counts HEADs, faults none
        string output = _dir.File("out.tiff");

        var r = await CliRunner.RunAsync("convert", server.Uri(key), output, "--compression", "deflate",
            "--endpoint-url", proxy.Endpoint, "--path-style", "--s3-max-concurrent-reads", "3");

        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Equal(1, proxy.Requests);
        // Three reads and the HEAD's connection, which the read client does not share.
        Assert.InRange(proxy.PeakConnections, 1, 4);
        using var storage = new S3Storage(server.Settings());
        var source = await storage.GetInfoAsync(server.Uri(key), default);
        await using var local = LocalFileSource.Open(output);
        Assert.Equal(source!.ETag, (await BtfConvert.Core.Tiff.TiffHeadRecord.ReadAsync(local, default))["btfconvert-source-etag"]);
    }

    [SkippableTheory]
    [InlineData("--s3-max-concurrent-reads", "0")]
    [InlineData("--s3-max-concurrent-reads", "65")]
    [InlineData(GlobalOptions.MaxConcurrentReadsVariable, "many")]
    public async Task A_read_cap_out_of_range_is_a_usage_error(string name, string value)
    {
        server.Require();
        string input = _dir.File("in.btf");
        File.WriteAllBytes(input, SampleInputs.Btf(64, 64));
        bool isOption = name.StartsWith("--", StringComparison.Ordinal);
        string? previous = Environment.GetEnvironmentVariable(GlobalOptions.MaxConcurrentReadsVariable);
        Environment.SetEnvironmentVariable(GlobalOptions.MaxConcurrentReadsVariable, isOption ? null : value);
        try
        {
            string[] args = isOption ? ["convert", input, _dir.File("out.tiff"), name, value] : ["convert", input, _dir.File("out.tiff")];
            var r = await CliRunner.RunAsync(args);
            Assert.Equal(ExitCodes.UsageError, r.ExitCode);
            Assert.Contains($"{name} must be between 1 and 64 (got {value})", r.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(GlobalOptions.MaxConcurrentReadsVariable, previous);
        }
    }

    [SkippableFact]
    public async Task A_slow_output_gets_more_parts_in_flight_and_the_object_is_identical()
    {
        server.Require();
        var options = Conversions.Options(TileCompression.Deflate);
        byte[] expected = await Conversions.ReferenceAsync(Input, options);
        // 150 ms before every answer: each 64 KiB part takes far longer to upload than to fill.
        await using var proxy = new TcpFaultProxy(server.Port) { Latency = TimeSpan.FromMilliseconds(150) };
        using var storage = new S3Storage(server.Settings(proxy.Endpoint) with { PartSize = 64 << 10, MaxPartsInFlight = 2, PartsInFlightLimit = 5 });
        string outKey = server.NewKey("out.tiff");
        int peak;
        await using (var sink = (S3ByteSink)await storage.CreateAsync(server.Uri(outKey), SinkOptions.Default, default))
        {
            await using var source = new MemoryByteSource(Conversions.InputName, Input);
            await Conversions.ConvertAsync(source, sink, options);
            peak = sink.PeakPartsInFlight;
        }

        Assert.Equal(expected, await server.GetAsync(outKey));
        Assert.Equal(5, peak);
    }
}
