using BtfConvert.Aws.Tests.Support;
using BtfConvert.Core;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;

namespace BtfConvert.Aws.Tests;

[Collection(S3Collection.Name)]
public sealed class S3SinkTests(S3ServerFixture server)
{
    private static readonly byte[] Input = SampleInputs.Btf(700, 500);

    private static SinkOptions Metadata(bool overwrite = false) =>
        new(overwrite, new Dictionary<string, string> { ["btfconvert-source"] = "s3://scans/in.btf", ["btfconvert-version"] = "test" });

    [SkippableFact]
    public async Task Many_small_parts_uploaded_out_of_order_give_the_same_bytes_as_a_local_conversion()
    {
        server.Require();
        var options = Conversions.Options(TileCompression.None);
        byte[] expected = await Conversions.ReferenceAsync(Input, options);
        using var storage = new S3Storage(server.Settings() with { PartSize = 64 << 10, InitialPartsInFlight = 3 });
        string key = server.NewKey("out.tiff");
        await using var source = new MemoryByteSource(Conversions.InputName, Input);
        await using var sink = (S3ByteSink)await storage.CreateAsync(server.Uri(key), Metadata(), default);
        await Conversions.ConvertAsync(source, sink, options);

        Assert.NotNull(sink.UploadId);
        Assert.Equal((expected.Length + sink.PartSize - 1) / sink.PartSize, sink.PartsUploaded);
        Assert.True(sink.PartsUploaded >= 15, $"only {sink.PartsUploaded} parts");
        Assert.Equal(expected, await server.GetAsync(key));

        var head = await server.Client.GetObjectMetadataAsync(S3ServerFixture.Bucket, key);
        Assert.Equal("image/tiff", head.Headers.ContentType);
        var info = await storage.GetInfoAsync(server.Uri(key), default);
        Assert.Equal("s3://scans/in.btf", info!.Metadata["btfconvert-source"]);
        Assert.Equal("test", info.Metadata["btfconvert-version"]);
    }

    [SkippableFact]
    public async Task A_small_output_goes_up_as_one_put_with_content_type_and_metadata()
    {
        server.Require();
        var options = Conversions.Options(TileCompression.Jpeg);
        byte[] expected = await Conversions.ReferenceAsync(Input, options);
        using var storage = new S3Storage(server.Settings());
        string key = server.NewKey("out.tiff");
        await using var source = new MemoryByteSource(Conversions.InputName, Input);
        await using var sink = (S3ByteSink)await storage.CreateAsync(server.Uri(key), Metadata(), default);
        await Conversions.ConvertAsync(source, sink, options);

        Assert.Null(sink.UploadId);
        Assert.Equal(expected, await server.GetAsync(key));
        var head = await server.Client.GetObjectMetadataAsync(S3ServerFixture.Bucket, key);
        Assert.Equal("image/tiff", head.Headers.ContentType);
        Assert.Equal("s3://scans/in.btf", head.Metadata["btfconvert-source"]);
    }

    [SkippableFact]
    public async Task A_failure_after_parts_were_uploaded_leaves_no_object()
    {
        server.Require();
        using var storage = new S3Storage(server.Settings() with { PartSize = 32 << 10 });
        string key = server.NewKey("out.tiff");
        await using var inner = new MemoryByteSource(Conversions.InputName, Input);
        await using var sink = (S3ByteSink)await storage.CreateAsync(server.Uri(key), Metadata(), default);
        // Small reads so the failure lands mid-image, once the multipart upload has parts.
        var source = new HookedSource(new SmallReads(inner), async n =>
        {
            if (n >= 40 && await UploadStartedAsync(sink))
            {
                throw new IOException("in.btf: disk on fire");
            }
        });
        var e = await Assert.ThrowsAsync<IOException>(() => Conversions.ConvertAsync(source, sink, Conversions.Options(TileCompression.None)));
        Assert.Contains("disk on fire", e.Message, StringComparison.Ordinal);
        Assert.NotNull(sink.UploadId);
        Assert.True(sink.PartsUploaded > 0);
        Assert.False(await server.ExistsAsync(key));
    }

    [SkippableFact]
    public async Task Uploads_failing_at_the_proxy_fail_the_conversion_and_leave_no_object()
    {
        server.Require();
        await using var proxy = new TcpFaultProxy(server.Port);
        using var storage = new S3Storage(server.Settings(proxy.Endpoint) with { PartSize = 64 << 10 });
        string key = server.NewKey("out.tiff");
        await using var source = new MemoryByteSource(Conversions.InputName, Input);
        await using var sink = (S3ByteSink)await storage.CreateAsync(server.Uri(key), Metadata(), default);
        proxy.Arm("PUT", FaultKind.Reset, int.MaxValue);
        var e = await Assert.ThrowsAnyAsync<IOException>(() => Conversions.ConvertAsync(source, sink, Conversions.Options(TileCompression.None)));
        Assert.StartsWith(server.Uri(key) + ": ", e.Message, StringComparison.Ordinal);
        Assert.True(proxy.FaultsInjected > 0);
        proxy.Disarm();
        Assert.False(await server.ExistsAsync(key));
    }

    [SkippableFact]
    public async Task Part_uploads_cut_by_connection_resets_are_retried_and_the_output_is_identical()
    {
        server.Require();
        var options = Conversions.Options(TileCompression.None);
        byte[] expected = await Conversions.ReferenceAsync(Input, options);
        await using var proxy = new TcpFaultProxy(server.Port);
        using var storage = new S3Storage(server.Settings(proxy.Endpoint) with { PartSize = 64 << 10 });
        string key = server.NewKey("out.tiff");
        await using var source = new MemoryByteSource(Conversions.InputName, Input);
        await using var sink = (S3ByteSink)await storage.CreateAsync(server.Uri(key), Metadata(), default);
        proxy.Arm("PUT", FaultKind.Reset, 3);
        await Conversions.ConvertAsync(source, sink, options);
        Assert.Equal(3, proxy.FaultsInjected);
        Assert.NotNull(sink.UploadId);
        Assert.Equal(expected, await server.GetAsync(key));
    }

    [SkippableFact]
    public async Task Cancelling_mid_upload_leaves_no_object()
    {
        server.Require();
        using var storage = new S3Storage(server.Settings() with { PartSize = 32 << 10 });
        string key = server.NewKey("out.tiff");
        using var cancel = new CancellationTokenSource();
        await using var inner = new MemoryByteSource(Conversions.InputName, Input);
        await using var sink = (S3ByteSink)await storage.CreateAsync(server.Uri(key), Metadata(), default);
        var source = new HookedSource(new SmallReads(inner), async n =>
        {
            if (n >= 40 && await UploadStartedAsync(sink))
            {
                await cancel.CancelAsync();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Conversions.ConvertAsync(source, sink, Conversions.Options(TileCompression.None), cancel.Token));
        Assert.False(await server.ExistsAsync(key));
    }

    [SkippableFact]
    public async Task An_existing_object_is_kept_unless_overwrite_is_asked()
    {
        server.Require();
        using var storage = new S3Storage(server.Settings());
        string key = server.NewKey("out.tiff");
        await server.PutAsync(key, "precious"u8.ToArray());
        var e = await Assert.ThrowsAsync<OutputExistsException>(() => storage.CreateAsync(server.Uri(key), Metadata(), default));
        Assert.Equal($"{server.Uri(key)}: output exists (use --overwrite to replace it)", e.Message);
        Assert.Equal("precious"u8.ToArray(), await server.GetAsync(key));

        await using var source = new MemoryByteSource(Conversions.InputName, Input);
        await using var sink = await storage.CreateAsync(server.Uri(key), Metadata(overwrite: true), default);
        await Conversions.ConvertAsync(source, sink, Conversions.Options(TileCompression.Jpeg));
        Assert.Equal(await Conversions.ReferenceAsync(Input, Conversions.Options(TileCompression.Jpeg)), await server.GetAsync(key));
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(32 << 10)]
    public async Task An_object_that_appears_at_the_key_during_the_conversion_is_not_replaced(int partSize)
    {
        server.Require();
        using var storage = new S3Storage(server.Settings() with { PartSize = partSize == 0 ? null : partSize });
        string key = server.NewKey("out.tiff");
        await using var inner = new MemoryByteSource(Conversions.InputName, Input);
        await using var sink = await storage.CreateAsync(server.Uri(key), Metadata(), default);
        // Another run writes the key while this one is reading.
        var source = new HookedSource(inner, n => n == 3 ? server.PutAsync(key, "theirs"u8.ToArray()) : Task.CompletedTask);
        var e = await Assert.ThrowsAsync<OutputExistsException>(() => Conversions.ConvertAsync(source, sink, Conversions.Options(TileCompression.None)));
        Assert.Equal($"{server.Uri(key)}: output appeared while converting (use --overwrite to replace it)", e.Message);
        Assert.Equal("theirs"u8.ToArray(), await server.GetAsync(key));
    }

    /// <summary>Waits (briefly) until the sink has uploaded a part: the encoders run behind the reader.</summary>
    private static async Task<bool> UploadStartedAsync(S3ByteSink sink)
    {
        for (int i = 0; i < 250 && sink.PartsUploaded == 0; i++)
        {
            await Task.Delay(20);
        }

        return sink.PartsUploaded > 0;
    }

    /// <summary>Makes the converter read in small steps, so a hook on the Nth read falls mid-image.</summary>
    private sealed class SmallReads(IByteSource inner) : IByteSource
    {
        public string Name => inner.Name;
        public long Length => inner.Length;
        public ReadAheadPolicy ReadAhead { get; } = ReadAheadPolicy.Fixed(16 << 10, 1);
        public ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
            inner.ReadExactlyAsync(offset, buffer, cancellationToken);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
