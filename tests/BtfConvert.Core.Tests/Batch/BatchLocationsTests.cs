using BtfConvert.Core.Batch;

namespace BtfConvert.Core.Tests.Batch;

public sealed class BatchLocationsTests
{
    [Theory]
    [InlineData("s3://b/scans", "s3://b/scans/")]
    [InlineData("s3://b/scans/", "s3://b/scans/")]
    [InlineData("s3://b", "s3://b/")]
    [InlineData("/data/scans/", "/data/scans")]
    public void Roots_are_normalized(string root, string expected) => Assert.Equal(expected, BatchLocations.NormalizeRoot(root));

    [Theory]
    [InlineData("s3://out/tiles/", "a/b/slide.btf", ".tiff", "s3://out/tiles/a/b/slide.tiff")]
    [InlineData("s3://out/", "slide.v2.btf", ".tiff", "s3://out/slide.v2.tiff")]
    [InlineData("s3://out/", "a.b/noext", ".tiff", "s3://out/a.b/noext.tiff")]
    [InlineData("s3://out/", ".hidden", "-web.tif", "s3://out/.hidden-web.tif")]
    [InlineData("/out", "a/b/slide.btf", ".tiff", "/out/a/b/slide.tiff")]
    public void Destinations_keep_the_relative_path_and_change_the_extension(string root, string relative, string suffix, string expected) =>
        Assert.Equal(expected, BatchLocations.Destination(root, relative, suffix));

    [Fact]
    public void Relative_paths_use_slashes_for_both_kinds()
    {
        Assert.Equal("a/b.btf", BatchLocations.RelativePath("s3://b/p/", "s3://b/p/a/b.btf"));
        Assert.Equal("a/b.btf", BatchLocations.RelativePath("/data", "/data/a/b.btf"));
        Assert.Throws<ArgumentException>(() => BatchLocations.RelativePath("s3://b/p/", "s3://b/q/a.btf"));
    }

    [Theory]
    [InlineData("a/b.btf", null)]
    [InlineData("a/../../etc/x.btf", "'..'")]
    [InlineData("a//b.btf", "''")]
    [InlineData("./b.btf", "'.'")]
    [InlineData("/abs.btf", "absolute")]
    public void Keys_that_would_escape_a_local_destination_are_refused(string relative, string? problem)
    {
        string? why = BatchLocations.UnsafeForLocal(relative);
        if (problem is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.Contains(problem, why, StringComparison.Ordinal);
        }
    }
}
