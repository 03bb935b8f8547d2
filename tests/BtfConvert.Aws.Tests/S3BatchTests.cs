using System.Text.Json;
using BtfConvert.Aws.Tests.Support;
using BtfConvert.Cli;
using BtfConvert.Core.Batch;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Record;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Aws.Tests;

/// <summary>The batch mode against the real S3 server: listing pages, records in object metadata, both directions.</summary>
[Collection(S3Collection.Name)]
public sealed class S3BatchTests(S3ServerFixture server) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Endpoint => ["--endpoint-url", server.Endpoint, "--path-style"];

    private string LockDir
    {
        get
        {
            string path = _dir.File("locks");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    private sealed class Results : IBatchObserver
    {
        public List<BatchItemResult> Finished { get; } = [];

        public void Started(BatchItem item)
        {
        }

        public void Progress(BatchItem item, long bytesRead)
        {
        }

        public void Warning(BatchItem item, string message)
        {
        }

        void IBatchObserver.Finished(BatchItemResult result)
        {
            lock (Finished)
            {
                Finished.Add(result);
            }
        }

        public string[] With(BatchStatus status) =>
            Finished.Where(r => r.Status == status).Select(r => r.Item.RelativePath).Order(StringComparer.Ordinal).ToArray();
    }

    private async Task<(BatchSummary Summary, Results Results)> RunBatchAsync(string source, string destination, int pageSize)
    {
        using var s3 = new S3Storage(server.Settings() with { ListPageSize = pageSize });
        var storage = new StorageRouter([s3, new LocalStorage()]);
        var results = new Results();
        var runner = new BatchRunner(storage, new BatchSettings
        {
            Source = source,
            Destination = destination,
            Options = new ConversionOptions { Compression = TileCompression.Deflate },
            Jobs = 2,
        }, results);
        var plan = await runner.PlanAsync(default);
        return (await runner.RunAsync(plan, default), results);
    }

    [SkippableFact]
    public async Task A_prefix_with_nested_folders_over_several_listing_pages_converts_once_then_skips()
    {
        server.Require();
        string prefix = server.NewKey(string.Empty);
        string[] slides = ["a.btf", "x/b.btf", "x/y/c.btf", "x/y/z/d.btf"];
        for (int i = 0; i < slides.Length; i++)
        {
            await server.PutAsync(prefix + "in/" + slides[i], SampleInputs.Btf(300, 200, seed: i));
        }

        await server.PutAsync(prefix + "in/x/notes.txt", "not a slide"u8.ToArray());
        await server.PutAsync(prefix + "in/x/y/", []);
        await server.PutAsync(prefix + "in/x/y/e.tif", "not selected"u8.ToArray());

        // 7 keys, 2 per page: four ListObjectsV2 pages; a lost continuation token would lose slides.
        var (summary, results) = await RunBatchAsync(server.Uri(prefix + "in"), server.Uri(prefix + "out/"), pageSize: 2);
        Assert.Equal(slides, results.With(BatchStatus.Converted));
        Assert.Equal(0, summary.Failed);
        foreach (string slide in slides)
        {
            Assert.True(await server.ExistsAsync(prefix + "out/" + Path.ChangeExtension(slide, ".tiff")), slide);
        }

        // The output holds the same tiles a local conversion writes (the recorded source differs, so the heads do).
        string local = _dir.File("c.btf");
        File.WriteAllBytes(local, (await server.GetAsync(prefix + "in/x/y/c.btf"))!);
        Assert.Equal(0, (await CliRunner.RunAsync("convert", local, _dir.File("c.tiff"), "-c", "deflate")).ExitCode);
        byte[] fromS3 = (await server.GetAsync(prefix + "out/x/y/c.tiff"))!;
        await TiffTiles.AssertSameAsync(File.ReadAllBytes(_dir.File("c.tiff")), fromS3);
        Assert.Equal(server.Uri(prefix + "in/x/y/c.btf"), (await TiffHeadRecord.ReadAsync(new MemoryByteSource("c.tiff", fromS3), default))[OutputRecord.Source]);

        // Second run: the records in the objects' metadata say every output is up to date.
        (summary, results) = await RunBatchAsync(server.Uri(prefix + "in/"), server.Uri(prefix + "out/"), pageSize: 2);
        Assert.Equal(slides, results.With(BatchStatus.Skipped));
        Assert.Equal(0, summary.Converted);

        // A replaced source object (new ETag) is converted again, and only it.
        await server.PutAsync(prefix + "in/x/b.btf", SampleInputs.Btf(300, 200, seed: 42));
        (summary, results) = await RunBatchAsync(server.Uri(prefix + "in/"), server.Uri(prefix + "out/"), pageSize: 3);
        Assert.Equal(["x/b.btf"], results.With(BatchStatus.Converted));
        Assert.Equal(3, summary.Skipped);
    }

    [SkippableFact]
    public async Task Outputs_copied_without_their_metadata_are_up_to_date_by_the_record_in_their_head()
    {
        server.Require();
        string prefix = server.NewKey(string.Empty);
        await server.PutAsync(prefix + "in/a.btf", SampleInputs.Btf(300, 200, seed: 1));
        var (summary, _) = await RunBatchAsync(server.Uri(prefix + "in/"), server.Uri(prefix + "out/"), pageSize: 1000);
        Assert.Equal(1, summary.Converted);

        // Synced by another tool (a plain PUT of the bytes): no x-amz-meta-btfconvert-*, the record is still inside.
        byte[] output = (await server.GetAsync(prefix + "out/a.tiff"))!;
        await server.PutAsync(prefix + "copy/a.tiff", output);
        using (var s3 = new S3Storage(server.Settings()))
        {
            Assert.False(OutputRecord.HasRecord((await s3.GetInfoAsync(server.Uri(prefix + "copy/a.tiff"), default))!.Metadata));
        }

        var (again, results) = await RunBatchAsync(server.Uri(prefix + "in/"), server.Uri(prefix + "copy/"), pageSize: 1000);
        Assert.Equal(["a.btf"], results.With(BatchStatus.Skipped));
        Assert.Equal(0, again.Converted);
        Assert.Equal(output, await server.GetAsync(prefix + "copy/a.tiff"));
    }

    [SkippableFact]
    public async Task S3_to_local_then_local_to_s3_from_the_command_line_skip_on_the_second_run()
    {
        server.Require();
        string prefix = server.NewKey(string.Empty);
        await server.PutAsync(prefix + "scans/one.btf", SampleInputs.Btf(300, 200, seed: 1));
        await server.PutAsync(prefix + "scans/deep/two.btf", SampleInputs.Btf(300, 200, seed: 2));
        await server.PutAsync(prefix + "scans/deep/broken.btf", "not a TIFF"u8.ToArray());
        string local = _dir.File("tiles");
        string report = _dir.File("report.jsonl");

        string[] toLocal = ["batch", server.Uri(prefix + "scans/"), local, "-c", "deflate", "--report", report, "--lock-dir", LockDir, .. Endpoint];
        var r = await CliRunner.RunAsync(toLocal);
        Assert.True(r.ExitCode == ExitCodes.PartialFailure, r.Output);
        Assert.True(File.Exists(Path.Combine(local, "one.tiff")));
        Assert.True(File.Exists(Path.Combine(local, "deep", "two.tiff")));
        Assert.False(File.Exists(Path.Combine(local, "deep", "broken.tiff")));
        var failed = Lines(report).Single(l => l.GetProperty("type").GetString() == "item" && l.GetProperty("status").GetString() == "failed");
        Assert.Contains(server.Uri(prefix + "scans/deep/broken.btf"), failed.GetProperty("error").GetString(), StringComparison.Ordinal);

        r = await CliRunner.RunAsync(toLocal);
        Assert.Equal(2, Lines(report).Count(l => l.TryGetProperty("status", out var s) && s.GetString() == "skipped"));

        // Local → S3, and again: the second run finds the records in x-amz-meta-*.
        string slides = _dir.File("src");
        Directory.CreateDirectory(Path.Combine(slides, "n"));
        File.WriteAllBytes(Path.Combine(slides, "three.btf"), SampleInputs.Btf(300, 200, seed: 3));
        File.WriteAllBytes(Path.Combine(slides, "n", "four.btf"), SampleInputs.Btf(300, 200, seed: 4));
        string[] toS3FromSlides = ["batch", slides, server.Uri(prefix + "web/"), "-c", "deflate",
            "--report", report, "--lock-dir", LockDir, .. Endpoint];
        r = await CliRunner.RunAsync(toS3FromSlides);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.True(await server.ExistsAsync(prefix + "web/three.tiff"));
        Assert.True(await server.ExistsAsync(prefix + "web/n/four.tiff"));
        r = await CliRunner.RunAsync(toS3FromSlides);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var summary = Lines(report).Single(l => l.GetProperty("type").GetString() == "summary");
        Assert.Equal(2, summary.GetProperty("skipped").GetInt32());
        Assert.Equal(0, summary.GetProperty("converted").GetInt32());
    }

    [SkippableFact]
    public async Task A_bad_input_on_s3_fails_alone_and_leaves_no_object()
    {
        server.Require();
        string prefix = server.NewKey(string.Empty);
        await server.PutAsync(prefix + "in/good.btf", SampleInputs.Btf(300, 200));
        var truncated = SampleInputs.Btf(300, 200, seed: 5);
        await server.PutAsync(prefix + "in/truncated.btf", truncated[..(truncated.Length / 2)]);
        var (summary, results) = await RunBatchAsync(server.Uri(prefix + "in/"), server.Uri(prefix + "out/"), pageSize: 1000);
        Assert.Equal(["good.btf"], results.With(BatchStatus.Converted));
        Assert.Equal(["truncated.btf"], results.With(BatchStatus.Failed));
        Assert.Equal(1, summary.Failed);
        Assert.False(await server.ExistsAsync(prefix + "out/truncated.tiff"));
        // (s3rver cannot list multipart uploads; the S3 sink's own tests cover aborting them.)
    }

    /// <summary>Cancels the run half-way through the second input, once the first output is done (as Ctrl-C would).</summary>
    private sealed class CancelDuringSecond(CancellationTokenSource cancel) : IBatchObserver
    {
        public List<string> Converted { get; } = [];

        public void Started(BatchItem item)
        {
        }

        public void Progress(BatchItem item, long bytesRead)
        {
            if (Converted.Count == 1 && bytesRead >= item.Source.Length / 2)
            {
                cancel.Cancel();
            }
        }

        public void Warning(BatchItem item, string message)
        {
        }

        public void Finished(BatchItemResult result)
        {
            lock (Converted)
            {
                Converted.Add(result.Item.RelativePath);
            }
        }
    }

    [SkippableFact]
    public async Task A_batch_cancelled_mid_upload_after_the_first_output_leaves_no_partial_object_and_a_rerun_completes()
    {
        server.Require();
        string prefix = server.NewKey(string.Empty);
        string[] slides = ["s0.btf", "s1.btf", "s2.btf"];
        for (int i = 0; i < slides.Length; i++)
        {
            await server.PutAsync(prefix + "in/" + slides[i], SampleInputs.Btf(900, 700, seed: i));
        }

        // Small parts: every output is a multipart upload, so an interrupted one must be aborted, not completed.
        using var s3 = new S3Storage(server.Settings() with { PartSize = 64 << 10 });
        var storage = new StorageRouter([s3, new LocalStorage()]);
        var settings = new BatchSettings
        {
            Source = server.Uri(prefix + "in/"),
            Destination = server.Uri(prefix + "out/"),
            Options = new ConversionOptions { Compression = TileCompression.None },
            Jobs = 1,
        };
        using var cancel = new CancellationTokenSource();
        var observer = new CancelDuringSecond(cancel);
        var runner = new BatchRunner(storage, settings, observer);
        var plan = await runner.PlanAsync(default);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync(plan, cancel.Token));
        Assert.Equal(["s0.btf"], observer.Converted);
        Assert.True(await server.ExistsAsync(prefix + "out/s0.tiff"));
        Assert.False(await server.ExistsAsync(prefix + "out/s1.tiff"));
        Assert.False(await server.ExistsAsync(prefix + "out/s2.tiff"));

        var results = new Results();
        runner = new BatchRunner(storage, settings, results);
        var summary = await runner.RunAsync(await runner.PlanAsync(default), default);
        Assert.Equal(["s0.btf"], results.With(BatchStatus.Skipped));
        Assert.Equal(["s1.btf", "s2.btf"], results.With(BatchStatus.Converted));
        Assert.Equal(0, summary.Failed);
    }

    private static List<JsonElement> Lines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}
