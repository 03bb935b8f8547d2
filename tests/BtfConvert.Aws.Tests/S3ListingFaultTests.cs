using BtfConvert.Aws.Tests.Support;
using BtfConvert.Cli;

namespace BtfConvert.Aws.Tests;

/// <summary>
/// A store whose ListObjectsV2 never ends must not hang a nightly batch and hold its lock (every later run would exit
/// 7): a repeated continuation token is refused at once, and a listing that pages on without listing anything is
/// stopped by --stall-timeout. Both exit 4 (SRC cannot be listed), name SRC, write nothing and release the lock.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class S3ListingFaultTests(S3ServerFixture server) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(string Source, string Destination, string[] Options)> TwoScansAsync()
    {
        string prefix = server.NewKey(string.Empty);
        await server.PutAsync(prefix + "scans/a.btf", SampleInputs.Btf(300, 200, seed: 1));
        await server.PutAsync(prefix + "scans/b.btf", SampleInputs.Btf(300, 200, seed: 2));
        return (server.Uri(prefix + "scans/"), _dir.File("tiles"), ["-c", "deflate", "--lock-dir", _dir.File("locks"), "--path-style"]);
    }

    [SkippableFact]
    public async Task A_listing_that_repeats_its_continuation_token_is_refused_and_the_lock_is_released()
    {
        server.Require();
        var (source, destination, options) = await TwoScansAsync();
        using var proxy = new ListingFaultProxy(server.Port, ListingFault.RepeatedToken);

        var r = await CliRunner.RunAsync(["batch", source, destination, .. options, "--endpoint-url", proxy.Endpoint]);
        Assert.True(r.ExitCode == ExitCodes.IoError, r.Output);
        Assert.Contains($"{source}: the listing does not end", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("continuation token", r.StdErr, StringComparison.Ordinal);
        // Refused on the first repetition: the first page and the one that repeated its token.
        Assert.Equal(2, proxy.Listings);
        Assert.False(Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any());

        // The lock went with the run: the next one, against the store itself, converts both.
        r = await CliRunner.RunAsync(["batch", source, destination, .. options, "--endpoint-url", server.Endpoint]);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.True(File.Exists(Path.Combine(destination, "a.tiff")) && File.Exists(Path.Combine(destination, "b.tiff")));
    }

    [SkippableFact]
    public async Task A_listing_that_pages_on_without_listing_anything_is_stopped_by_the_stall_timeout()
    {
        server.Require();
        var (source, destination, options) = await TwoScansAsync();
        using var proxy = new ListingFaultProxy(server.Port, ListingFault.EmptyPagesForever);

        var r = await CliRunner.RunAsync(["batch", source, destination, .. options, "--endpoint-url", proxy.Endpoint, "--stall-timeout", "1"]);
        Assert.True(r.ExitCode == ExitCodes.IoError, r.Output);
        Assert.Contains($"{source}: no progress for 1 s; the listing was stopped (--stall-timeout)", r.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any());

        r = await CliRunner.RunAsync(["batch", source, destination, .. options, "--endpoint-url", server.Endpoint]);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
    }
}
