using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Tests.Tiff;

public class TiffHeaderTests
{
    [Fact]
    public void Parses_classic_little_endian() =>
        Assert.Equal(new TiffHeader(true, false, 8), TiffHeader.Parse([0x49, 0x49, 42, 0, 8, 0, 0, 0], "x"));

    [Fact]
    public void Parses_classic_big_endian() =>
        Assert.Equal(new TiffHeader(false, false, 0x01020304), TiffHeader.Parse([0x4D, 0x4D, 0, 42, 1, 2, 3, 4], "x"));

    [Fact]
    public void Parses_bigtiff_with_ifd_past_4GiB()
    {
        byte[] bytes = [0x49, 0x49, 43, 0, 8, 0, 0, 0, 0xC0, 0x4E, 0x55, 0x46, 0x01, 0, 0, 0];
        var header = TiffHeader.Parse(bytes, "x");
        Assert.True(header.IsBigTiff);
        Assert.Equal(5474963136UL, header.FirstIfdOffset);
        Assert.Equal(20, header.EntrySize);
    }

    [Fact]
    public void Parses_big_endian_bigtiff()
    {
        byte[] bytes = [0x4D, 0x4D, 0, 43, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16];
        Assert.Equal(new TiffHeader(false, true, 16), TiffHeader.Parse(bytes, "x"));
    }

    [Theory]
    [InlineData(new byte[0], "file is empty")]
    [InlineData(new byte[] { 1, 2, 3 }, "not a TIFF")]
    [InlineData(new byte[] { 0x50, 0x4B, 3, 4, 0, 0, 0, 0 }, "no II/MM")]
    [InlineData(new byte[] { 0x49, 0x49, 44, 0, 8, 0, 0, 0 }, "version 44")]
    [InlineData(new byte[] { 0x49, 0x49, 43, 0, 8, 0, 0, 0 }, "truncated BigTIFF header")]
    [InlineData(new byte[] { 0x49, 0x49, 43, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "offset size 4")]
    public void Rejects_what_is_not_a_tiff_with_the_file_name(byte[] bytes, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => TiffHeader.Parse(bytes, "scan.btf"));
        Assert.StartsWith("scan.btf: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
