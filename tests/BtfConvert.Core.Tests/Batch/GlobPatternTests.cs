using BtfConvert.Core.Batch;

namespace BtfConvert.Core.Tests.Batch;

public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("*.btf", "a.btf", true)]
    [InlineData("*.btf", "x/y/a.btf", true)]
    [InlineData("*.btf", "x/y/a.BTF", true)]
    [InlineData("*.btf", "a.btf.tmp", false)]
    [InlineData("*.btf", "a.tiff", false)]
    [InlineData("2024/*.btf", "2024/a.btf", true)]
    [InlineData("2024/*.btf", "2024/x/a.btf", false)]
    [InlineData("2024/*.btf", "old/2024/a.btf", false)]
    [InlineData("/2024/*.btf", "2024/a.btf", true)]
    [InlineData("2024/**/*.btf", "2024/a.btf", true)]
    [InlineData("2024/**/*.btf", "2024/x/y/a.btf", true)]
    [InlineData("2024/**", "2024/x/y/a.btf", true)]
    [InlineData("**/tmp/*", "a/tmp/b.btf", true)]
    [InlineData("**/tmp/*", "tmp/b.btf", true)]
    [InlineData("tmp/", "a/tmp/b/c.btf", true)]
    [InlineData("tmp/", "a/tmpx/c.btf", false)]
    [InlineData("slide-??.btf", "slide-01.btf", true)]
    [InlineData("slide-??.btf", "slide-1.btf", false)]
    [InlineData("slide-[0-4]*.btf", "d/slide-3x.btf", true)]
    [InlineData("slide-[!0-4]*.btf", "d/slide-7.btf", true)]
    [InlineData("slide-[!0-4]*.btf", "d/slide-3.btf", false)]
    [InlineData("a*b.btf", "a/b.btf", false)]
    [InlineData("a+(b).btf", "a+(b).btf", true)]
    [InlineData("[unclosed.btf", "[unclosed.btf", true)]
    public void Matches_relative_paths_as_documented(string pattern, string path, bool expected) =>
        Assert.Equal(expected, new GlobPattern(pattern).IsMatch(path));
}
