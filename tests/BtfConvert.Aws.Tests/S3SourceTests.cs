using BtfConvert.Aws.Tests.Support;
using BtfConvert.Core;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.Source;

namespace BtfConvert.Aws.Tests;

[Collection(S3Collection.Name)]
public sealed class S3SourceTests(S3ServerFixture server)
{
    private static readonly byte[] Small = SampleInputs.Btf(700, 500);

    [SkippableFact]
    public async Task Finding_the_ifds_at_the_end_costs_a_header_read_and_one_tail_read()
    {
        server.Require();
        // 2000×1500 RGB: 9 MB of strips between the header and the IFDs, so neither read can cover both ends.
        byte[] input = SampleInputs.Btf(2000, 1500);
        string key = server.NewKey(Conversions.InputName);
        await server.PutAsync(key, input);
        using var storage = new S3Storage(server.Settings());
        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);
        var info = await SourceInspector.InspectAsync(source, default);

        Assert.Equal((2000, 1500), (info.Main.Width, info.Main.Height));
        Assert.Single(info.AssociatedImages);
        Assert.NotNull(info.Sis);
        Assert.True(info.File.Directories[0].Offset > input.Length - 100_000, "the sample must keep its IFDs at the end");
        Assert.Equal(2, source.GetRequests);
        Assert.True(source.BytesReceived <= 2L << 20, $"{source.BytesReceived} bytes read to inspect");
    }

    [SkippableFact]
    public async Task A_missing_object_is_file_not_found()
    {
        server.Require();
        using var storage = new S3Storage(server.Settings());
        string uri = server.Uri(server.NewKey("missing.btf"));
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => storage.OpenReadAsync(uri, default));
        Assert.Equal($"{uri}: no such object", e.Message);
    }

    [SkippableFact]
    public async Task A_source_overwritten_mid_read_fails_cleanly_and_nothing_is_written()
    {
        server.Require();
        string key = server.NewKey(Conversions.InputName);
        await server.PutAsync(key, Small);
        using var storage = new S3Storage(server.Settings().WithReads(readSize: 16 << 10, initialReads: 1));
        await using var s3Source = await storage.OpenSourceAsync(server.Uri(key), default);
        byte[] replacement = SampleInputs.Btf(700, 500, seed: 99);
        var source = new HookedSource(s3Source, async n =>
        {
            if (n == 8)
            {
                await server.PutAsync(key, replacement);
            }
        });
        string outKey = server.NewKey("out.tiff");
        await using var sink = await storage.CreateAsync(server.Uri(outKey), BtfConvert.Core.IO.SinkOptions.Default, default);
        var e = await Assert.ThrowsAsync<SourceChangedException>(
            () => Conversions.ConvertAsync(source, sink, Conversions.Options(TileCompression.Deflate)));
        Assert.StartsWith($"{server.Uri(key)}: the object changed while it was being read", e.Message, StringComparison.Ordinal);
        Assert.False(await server.ExistsAsync(outKey));
    }

    [SkippableTheory]
    [InlineData(FaultKind.Reset)]
    [InlineData(FaultKind.Stall)]
    public async Task Reads_cut_mid_body_resume_where_they_stopped_and_the_output_is_identical(FaultKind kind)
    {
        server.Require();
        string key = server.NewKey(Conversions.InputName);
        await server.PutAsync(key, Small);
        var options = Conversions.Options(TileCompression.Deflate);
        byte[] expected = await Conversions.ReferenceAsync(Small, options);

        // The same run without faults tells how many bytes the reads need.
        await using var proxy = new TcpFaultProxy(server.Port);
        using var storage = new S3Storage(server.Settings(proxy.Endpoint));
        long cleanBytes;
        await using (var clean = await storage.OpenSourceAsync(server.Uri(key), default))
        {
            await using var sink = await storage.CreateAsync(server.Uri(server.NewKey("clean.tiff")), BtfConvert.Core.IO.SinkOptions.Default, default);
            await Conversions.ConvertAsync(clean, sink, options);
            cleanBytes = clean.BytesReceived;
        }

        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);
        // Four GETs are cut 8 KB into their response (past the headers, inside the body); a GET whose response
        // is shorter (the last strip run) escapes, so at least three faults land.
        proxy.Arm("GET", kind, 4, afterResponseBytes: 8_000);
        string outKey = server.NewKey("out.tiff");
        await using (var sink = await storage.CreateAsync(server.Uri(outKey), BtfConvert.Core.IO.SinkOptions.Default, default))
        {
            await Conversions.ConvertAsync(source, sink, options);
        }

        Assert.InRange(proxy.FaultsInjected, 3, 4);
        Assert.Equal(proxy.FaultsInjected, source.Retries);
        Assert.Equal(cleanBytes, source.BytesReceived);
        Assert.Equal(expected, await server.GetAsync(outKey));
    }

    [SkippableFact]
    public async Task Reads_that_keep_failing_give_up_with_a_storage_error()
    {
        var (e, key, _) = await InspectWhileEveryGetFailsAsync(FaultKind.Reset);
        Assert.StartsWith(server.Uri(key) + ": ", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_store_that_ignores_the_Range_header_is_named_as_such()
    {
        var (e, key, faults) = await InspectWhileEveryGetFailsAsync(FaultKind.IgnoreRange);

        Assert.StartsWith(server.Uri(key) + ": the server ignored the Range header (asked for ", e.Message, StringComparison.Ordinal);
        Assert.Contains($"it answered 200 with {Small.Length} bytes", e.Message, StringComparison.Ordinal);
        Assert.True(faults >= 1);
    }

    /// <summary>Inspects a small input through a proxy that answers every GET with <paramref name="fault"/> (two retries allowed).</summary>
    private async Task<(StorageException Error, string Key, int Faults)> InspectWhileEveryGetFailsAsync(FaultKind fault)
    {
        server.Require();
        string key = server.NewKey(Conversions.InputName);
        await server.PutAsync(key, Small);
        await using var proxy = new TcpFaultProxy(server.Port);
        using var storage = new S3Storage(server.Settings(proxy.Endpoint) with { MaxReadRetries = 2 });
        await using var source = await storage.OpenSourceAsync(server.Uri(key), default);
        proxy.Arm("GET", fault, int.MaxValue);
        var e = await Assert.ThrowsAsync<StorageException>(() => SourceInspector.InspectAsync(source, default));
        return (e, key, proxy.FaultsInjected);
    }
}
