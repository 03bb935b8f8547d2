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
