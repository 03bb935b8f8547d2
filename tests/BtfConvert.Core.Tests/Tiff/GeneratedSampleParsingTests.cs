using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tiff;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Tiff;

/// <summary>Olympus-like samples in both byte orders and both TIFF flavours parse to the same picture.</summary>
public sealed class GeneratedSampleParsingTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Ifd_at_the_end_sis_block_exif_and_the_tiny_second_ifd_are_found(bool bigTiff, bool littleEndian)
    {
        var spec = new SampleSpec { Width = 300, Height = 130, RowsPerStrip = 64, BigTiff = bigTiff, LittleEndian = littleEndian };
        using var stream = new MemoryStream();
        BtfSampleWriter.Write(stream, spec);
        await using var source = new MemoryByteSource("sample.btf", stream.ToArray());
        var reader = new CachedReader(source);
        var file = await TiffFileReader.ReadAsync(reader, default);

        Assert.Equal((bigTiff, littleEndian), (file.Header.IsBigTiff, file.Header.LittleEndian));
        Assert.Equal(2, file.Directories.Count);
        long stripBytes = 300L * 3 * 64 * 3; // three full strips, the last one padded like the scanner's
        Assert.True(file.Directories[0].Offset > 507 + stripBytes, "IFD0 comes after the strips");
        Assert.Equal(bigTiff ? TiffFieldType.Long8 : TiffFieldType.Long, file.Directories[0][TiffTag.StripOffsets]!.Type);

        var info = await SourceInspector.InspectAsync(source, default);
        Assert.Equal(0, info.Main.DirectoryIndex);
        Assert.Equal((300, 130, 3), (info.Main.Width, info.Main.Height, info.Main.SamplesPerPixel));
        Assert.Equal([507L, 507 + (300 * 3 * 64), 507 + (2 * 300 * 3 * 64)], info.Main.Strips!.Offsets);
        Assert.Equal("Olympus Soft Imaging Solutions", info.Main.Directory.GetString(TiffTag.Make));
        Assert.Equal("VS120", info.Main.Directory.GetString(TiffTag.Artist));
        Assert.Equal(11, info.Main.Directory.Exif!.Fields.Count);
        Assert.Equal(0.3448, info.Sis!.MicronsPerPixelX, 6);
        Assert.Equal(20, info.Sis.Magnification);
        var thumb = Assert.Single(info.AssociatedImages);
        Assert.Equal((1, 27, 25), (thumb.SourceDirectoryIndex, thumb.Width, thumb.Height));
        Assert.Empty(info.Warnings);
    }

    [Fact]
    public async Task A_plain_sample_has_one_directory_and_no_pixel_size()
    {
        using var stream = new MemoryStream();
        BtfSampleWriter.Write(stream, new SampleSpec { Width = 40, Height = 30, Olympus = false });
        await using var source = new MemoryByteSource("plain.btf", stream.ToArray());
        var info = await SourceInspector.InspectAsync(source, default);
        Assert.Single(info.File.Directories);
        Assert.Null(info.Sis);
        Assert.Empty(info.AssociatedImages);
    }
}
