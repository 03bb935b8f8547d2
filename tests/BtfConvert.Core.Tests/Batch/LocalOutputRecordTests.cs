using BtfConvert.Core.Batch;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Tests.Batch;

public sealed class LocalOutputRecordTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("btfconvert-record-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Dictionary<string, string> Record = new() { [OutputRecord.SourceETag] = "e1", [OutputRecord.SourceSize] = "10" };

    private static async Task WriteAsync(string path, byte[] body, IReadOnlyDictionary<string, string> metadata, bool overwrite = false)
    {
        await using var sink = await new LocalStorage().CreateAsync(path, new SinkOptions(overwrite, metadata) { CreateParentDirectories = true }, default);
        await sink.OpenAsync(2, 10, default);
        await sink.AppendAsync(body, default);
        await sink.CommitAsync(new byte[2], default);
    }

    [Fact]
    public async Task The_metadata_comes_back_from_GetInfo_and_the_sidecar_is_not_listed()
    {
        string output = Path.Combine(_dir, "a", "b", "out.tiff");
        await WriteAsync(output, [1, 2, 3], Record);
        var storage = new LocalStorage();
        var info = await storage.GetInfoAsync(output, default);
        Assert.NotNull(info);
        Assert.Equal("e1", info.Metadata[OutputRecord.SourceETag]);
        Assert.True(File.Exists(LocalOutputRecord.SidecarPath(output)));
        var listed = new List<string>();
        await foreach (var o in storage.ListAsync(_dir, default))
        {
            listed.Add(o.Location);
        }

        Assert.Equal([output], listed);
    }

    [Fact]
    public async Task An_output_changed_after_its_record_reads_as_stale()
    {
        string output = Path.Combine(_dir, "out.tiff");
        await WriteAsync(output, [1, 2, 3], Record);
        File.AppendAllText(output, "tampered");
        var info = await new LocalStorage().GetInfoAsync(output, default);
        Assert.True(info!.Metadata.ContainsKey(OutputRecord.Stale));
        Assert.False(info.Metadata.ContainsKey(OutputRecord.SourceETag));
    }

    [Fact]
    public async Task A_crash_between_record_and_rename_leaves_a_record_that_does_not_match()
    {
        // Replay what a kill between the two renames leaves: the new record beside the previous output.
        string output = Path.Combine(_dir, "out.tiff");
        await WriteAsync(output, [1, 2, 3], Record);
        string finished = Path.Combine(_dir, "next.tmp");
        File.WriteAllBytes(finished, [9, 9, 9, 9, 9]);
        LocalOutputRecord.Write(output, finished, new Dictionary<string, string> { [OutputRecord.SourceETag] = "e2" });
        var info = await new LocalStorage().GetInfoAsync(output, default);
        Assert.True(info!.Metadata.ContainsKey(OutputRecord.Stale));
        Assert.True(OutputRecord.HasRecord(info.Metadata));
    }

    [Fact]
    public async Task An_aborted_sink_leaves_neither_output_nor_record()
    {
        string output = Path.Combine(_dir, "out.tiff");
        await using (var sink = await new LocalStorage().CreateAsync(output, new SinkOptions(false, Record), default))
        {
            await sink.OpenAsync(2, 10, default);
            await sink.AppendAsync(new byte[] { 1 }, default);
        }

        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task A_corrupt_sidecar_is_stale_not_an_error_and_no_sidecar_means_no_record()
    {
        string output = Path.Combine(_dir, "out.tiff");
        await WriteAsync(output, [1], new Dictionary<string, string>());
        Assert.False(File.Exists(LocalOutputRecord.SidecarPath(output)));
        Assert.Empty((await new LocalStorage().GetInfoAsync(output, default))!.Metadata);
        File.WriteAllText(LocalOutputRecord.SidecarPath(output), "{ not json");
        Assert.True((await new LocalStorage().GetInfoAsync(output, default))!.Metadata.ContainsKey(OutputRecord.Stale));
    }
}
