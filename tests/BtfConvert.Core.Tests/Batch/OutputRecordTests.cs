using System.Text.Json;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;
using BtfConvert.Core.Record;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Batch;

/// <summary>The record inside the output (XMP in level 0), and the sidecars of earlier versions that are still read.</summary>
public sealed class OutputRecordTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly Dictionary<string, string> Record = new() { [OutputRecord.SourceETag] = "e1", [OutputRecord.SourceSize] = "10" };

    [Fact]
    public void The_xmp_packet_carries_every_key_and_any_text()
    {
        var record = new Dictionary<string, string>
        {
            [OutputRecord.Source] = "s3://b/ä & <b> \"q\" 'x'.btf",
            [OutputRecord.SourceETag] = "\"0123abc-2\"",
            [OutputRecord.Options] = "compression=jpeg;quality=90",
        };
        byte[] packet = OutputRecordXmp.Write(record);
        string text = System.Text.Encoding.UTF8.GetString(packet);
        Assert.StartsWith("<?xpacket begin=", text, StringComparison.Ordinal);
        Assert.EndsWith("<?xpacket end=\"r\"?>", text, StringComparison.Ordinal);
        Assert.Equal(record, OutputRecordXmp.Read(packet));
    }

    [Fact]
    public void Someone_elses_xmp_or_a_damaged_packet_is_no_record()
    {
        Assert.Empty(OutputRecordXmp.Read("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><a>1</a></x:xmpmeta>"u8));
        Assert.Empty(OutputRecordXmp.Read("<?xpacket begin=\"\"?><x:xmpmeta"u8));
        Assert.Empty(OutputRecordXmp.Read("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>"u8));
    }

    [Fact]
    public async Task A_conversion_embeds_its_record_in_the_first_kilobytes_and_writes_no_other_file()
    {
        string input = _dir.File("in.btf"), output = Path.Combine(_dir.Path, "out", "slide.tiff");
        BtfSampleWriter.Write(input, new SampleSpec { Width = 1200, Height = 900, Olympus = true });
        var job = new ConversionJob(input, output, new ConversionOptions { Compression = BtfConvert.Core.Encoding.TileCompression.Deflate }, Replace: false)
        {
            CreateParentDirectories = true,
        };
        await StorageConversion.ConvertAsync(new LocalStorage(), job, new NullMonitor(), default);

        Assert.Equal(["slide.tiff"], Directory.GetFiles(Path.GetDirectoryName(output)!, "*", SearchOption.AllDirectories).Select(Path.GetFileName));
        byte[] bytes = File.ReadAllBytes(output);
        var counting = new CountingSource(new MemoryByteSource(output, bytes));
        var record = await TiffHeadRecord.ReadAsync(counting, default);
        Assert.Equal(1, counting.Reads);
        Assert.Equal(input, record[OutputRecord.Source]);
        Assert.Equal(LocalStorage.Describe(new FileInfo(input)).ETag, record[OutputRecord.SourceETag]);
        Assert.Equal(new FileInfo(input).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), record[OutputRecord.SourceSize]);
        Assert.Equal(job.Options.Fingerprint(), record[OutputRecord.Options]);
        Assert.Equal(ProductInfo.Version, record[OutputRecord.Version]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", record[OutputRecord.Time]);
        var source = LocalStorage.Describe(new FileInfo(input));
        Assert.Null(OutputRecord.WhyOutdated(record, source.ETag, source.Length, job.Options.Fingerprint()));

        // A copy (new mtime, new place) carries the same record.
        string copy = _dir.File("copy.tiff");
        File.Copy(output, copy);
        File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddDays(3));
        await using var copied = LocalFileSource.Open(copy);
        Assert.Equal(record, await TiffHeadRecord.ReadAsync(copied, default));
    }

    [Theory]
    [InlineData("not a tiff at all")]
    [InlineData("II*\0\u0008\0\0\0\u00ff\u00ff")]
    [InlineData("")]
    public async Task A_file_that_is_not_ours_has_no_record(string content)
    {
        var source = new MemoryByteSource("x.tiff", System.Text.Encoding.Latin1.GetBytes(content));
        Assert.Empty(await TiffHeadRecord.ReadAsync(source, default));
    }

    [Fact]
    public async Task An_old_sidecar_is_still_read_hidden_from_listings_and_deleted_when_its_output_is_replaced()
    {
        string output = Path.Combine(_dir.Path, "a", "b", "out.tiff");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllBytes(output, [1, 2, 3]);
        WriteLegacySidecar(output, Record);
        var storage = new LocalStorage();
        Assert.Equal("e1", (await storage.GetInfoAsync(output, default))!.Metadata[OutputRecord.SourceETag]);
        var listed = new List<string>();
        await foreach (var o in storage.ListAsync(_dir.Path, default))
        {
            listed.Add(o.Location);
        }

        Assert.Equal([output], listed);

        await using (var sink = await storage.CreateAsync(output, new SinkOptions(true, Record), default))
        {
            await sink.OpenAsync(2, 10, default);
            await sink.AppendAsync(new byte[] { 4 }, default);
            await sink.CommitAsync(new byte[2], default);
        }

        Assert.Equal(["out.tiff"], Directory.GetFiles(Path.GetDirectoryName(output)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_old_sidecar_that_does_not_match_its_output_or_is_damaged_reads_as_stale()
    {
        string output = _dir.File("out.tiff");
        File.WriteAllBytes(output, [1, 2, 3]);
        WriteLegacySidecar(output, Record);
        File.AppendAllText(output, "tampered");
        var info = await new LocalStorage().GetInfoAsync(output, default);
        Assert.True(info!.Metadata.ContainsKey(OutputRecord.Stale));
        Assert.False(info.Metadata.ContainsKey(OutputRecord.SourceETag));

        File.WriteAllText(LocalOutputRecord.SidecarPath(output), "{ not json");
        Assert.True((await new LocalStorage().GetInfoAsync(output, default))!.Metadata.ContainsKey(OutputRecord.Stale));
        File.Delete(LocalOutputRecord.SidecarPath(output));
        Assert.Empty((await new LocalStorage().GetInfoAsync(output, default))!.Metadata);
    }

    [Fact]
    public async Task An_aborted_sink_leaves_nothing()
    {
        string output = _dir.File("out.tiff");
        await using (var sink = await new LocalStorage().CreateAsync(output, new SinkOptions(false, Record), default))
        {
            await sink.OpenAsync(2, 10, default);
            await sink.AppendAsync(new byte[] { 1 }, default);
        }

        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    /// <summary>What versions before the embedded record wrote beside an output.</summary>
    private static void WriteLegacySidecar(string output, Dictionary<string, string> metadata)
    {
        var content = new
        {
            output = Path.GetFileName(output),
            outputETag = LocalStorage.Describe(new FileInfo(output)).ETag,
            metadata,
        };
        File.WriteAllText(LocalOutputRecord.SidecarPath(output), JsonSerializer.Serialize(content));
    }

    private sealed class NullMonitor : IConversionMonitor
    {
        public void Inspected(SourceInfo source, long sourceBytes)
        {
        }

        public Task<ConversionResult> TrackAsync(long sourceBytes, Func<IProgress<ConversionProgress>?, Task<ConversionResult>> convert) => convert(null);
    }

    private sealed class CountingSource(IByteSource inner) : IByteSource
    {
        public int Reads { get; private set; }
        public string Name => inner.Name;
        public long Length => inner.Length;
        public int PreferredReadSize => inner.PreferredReadSize;
        public int PreferredConcurrency => inner.PreferredConcurrency;

        public ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            Reads++;
            return inner.ReadExactlyAsync(offset, buffer, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
