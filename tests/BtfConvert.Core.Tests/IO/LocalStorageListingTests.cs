using BtfConvert.Core.IO;

namespace BtfConvert.Core.Tests.IO;

public sealed class LocalStorageListingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Linked_directories_are_not_followed_so_loops_list_each_file_once()
    {
        // real/loop -> .. and other/link -> ../real: followed, these list g.btf without end.
        Directory.CreateDirectory(_dir.File("real"));
        Directory.CreateDirectory(_dir.File("other"));
        await File.WriteAllTextAsync(_dir.File("real/g.btf"), "x");
        await File.WriteAllTextAsync(_dir.File("other/h.btf"), "y");
        Directory.CreateSymbolicLink(_dir.File("real/loop"), "..");
        Directory.CreateSymbolicLink(_dir.File("other/link"), "../real");
        File.CreateSymbolicLink(_dir.File("other/file-link.btf"), "../real/g.btf");

        var listed = new List<string>();
        await foreach (var item in new LocalStorage().ListAsync(_dir.Path, default))
        {
            listed.Add(Path.GetRelativePath(_dir.Path, item.Location));
        }

        Assert.Equal(["other/file-link.btf", "other/h.btf", "real/g.btf"], listed);
    }

    private async Task<List<StorageObjectInfo>> ListAsync(Func<string, bool> wanted)
    {
        var listed = new List<StorageObjectInfo>();
        await foreach (var item in new LocalStorage().ListAsync(_dir.Path, wanted, default))
        {
            listed.Add(item);
        }

        return listed;
    }

    [Fact]
    public async Task A_link_to_a_file_is_described_by_its_target_and_only_wanted_files_are_examined()
    {
        Directory.CreateDirectory(_dir.File("real"));
        await File.WriteAllBytesAsync(_dir.File("real/g.btf"), new byte[5000]);
        File.SetLastWriteTimeUtc(_dir.File("real/g.btf"), new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc));
        File.CreateSymbolicLink(_dir.File("link.btf"), "real/g.btf");
        File.CreateSymbolicLink(_dir.File("gone.btf"), "real/moved.btf");
        File.CreateSymbolicLink(_dir.File("gone.txt"), "real/moved.txt");

        var listed = await ListAsync(p => p.EndsWith(".btf", StringComparison.Ordinal));

        var link = listed.Single(l => l.Location == _dir.File("link.btf"));
        Assert.Null(link.Issue);
        Assert.Equal(5000, link.Length);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero), link.LastModified);
        Assert.Equal(LocalStorage.Describe(new FileInfo(_dir.File("real/g.btf"))).ETag, link.ETag);
        var gone = listed.Single(l => l.Location == _dir.File("gone.btf"));
        Assert.Equal(ListingIssueKind.DanglingLink, gone.Issue?.Kind);
        Assert.StartsWith($"{_dir.File("gone.btf")}: symbolic link to real/moved.btf, which does not exist", gone.Issue!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(listed, l => l.Location.EndsWith(".txt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Names_that_are_not_UTF8_come_back_as_issues_instead_of_ending_the_listing()
    {
        Directory.CreateDirectory(_dir.File("notes"));
        await File.WriteAllTextAsync(_dir.File("notes/a.btf"), "x");
        var r = System.Diagnostics.Process.Start("sh", ["-c", "printf x > \"$1/$(printf 'r\\351sum\\351.txt')\"; mkdir \"$1/$(printf 'd\\351j\\340')\"", "sh", _dir.File("notes")])!;
        await r.WaitForExitAsync();
        Assert.Equal(0, r.ExitCode);

        var listed = await ListAsync(_ => true);

        Assert.Equal(3, listed.Count);
        Assert.Null(listed.Single(l => l.Location == _dir.File("notes/a.btf")).Issue);
        Assert.Equal(ListingIssueKind.UnrepresentableName, listed.Single(l => l.Location.EndsWith("sum\uFFFD.txt", StringComparison.Ordinal)).Issue?.Kind);
        Assert.Equal(ListingIssueKind.UnreadableFolder, listed.Single(l => l.Location.EndsWith("j\uFFFD", StringComparison.Ordinal)).Issue?.Kind);
    }

    [Fact]
    public async Task Listing_stops_when_cancelled()
    {
        Directory.CreateDirectory(_dir.File("a"));
        await File.WriteAllTextAsync(_dir.File("a/x.btf"), "x");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in new LocalStorage().ListAsync(_dir.Path, cts.Token))
            {
            }
        });
    }
}
