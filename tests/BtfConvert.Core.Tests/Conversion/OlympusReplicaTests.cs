using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tests.Support;
using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Tests.Conversion;

/// <summary>A file with exactly the real slide's directory structure (sparse, so it costs no disk).</summary>
public sealed class OlympusReplicaTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public OlympusReplicaTests()
    {
        _path = _dir.File("hu_prostate_01.btf");
        OlympusReplica.Write(_path);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Inspection_finds_the_real_layout_with_two_reads_near_the_end()
    {
        await using var source = LocalFileSource.Open(_path);
        var reader = new CachedReader(source);
        var file = await TiffFileReader.ReadAsync(reader, default);
        Assert.True(file.Header.IsBigTiff);
        Assert.Equal(OlympusReplica.Ifd0Offset, file.Directories[0].Offset);
        Assert.Equal(OlympusReplica.Ifd1Offset, file.Directories[1].Offset);
        Assert.Equal(2, reader.SourceReads); // the header window, then one window holding every IFD and value

        var info = await SourceInspector.InspectAsync(source, default);
        Assert.Equal((OlympusReplica.Width, OlympusReplica.Height), (info.Main.Width, info.Main.Height));
        Assert.Equal(633, info.Main.Strips!.Offsets.Count);
        Assert.Equal(507, info.Main.Strips!.Offsets[0]);
        Assert.Equal(TiffFieldType.Long8, info.Main.Directory[TiffTag.StripOffsets]!.Type);
        Assert.NotNull(info.Main.Directory.Exif);
        Assert.Equal(11, info.Main.Directory.Exif!.Fields.Count);
        Assert.NotNull(info.Sis);
        Assert.Equal(OlympusReplica.MicronsPerPixel, info.Sis!.MicronsPerPixelX, 6);
        var thumb = Assert.Single(info.AssociatedImages);
        Assert.Equal((27, 25, 3, "thumbnail"), (thumb.Width, thumb.Height, thumb.SamplesPerPixel, thumb.Name)); // 8-bit RGB, named for large_image
        Assert.Equal(0, thumb.Pixels.Min());
        Assert.Equal(255, thumb.Pixels.Max());
    }

    [Fact]
    public async Task The_full_size_slide_converts_with_nine_levels_and_the_thumbnail_last()
    {
        string output = _dir.File("out.tiff");
        await using (var source = LocalFileSource.Open(_path))
        {
            var info = await SourceInspector.InspectAsync(source, default);
            await using var sink = new LocalFileSink(output, overwrite: false);
            var result = await TiffConverter.ConvertAsync(info, source, sink, new ConversionOptions(), null, default);
            Assert.Equal(9, result.Plan.Levels.Count);
            Assert.True(result.BigTiff);
            Assert.Equal(OlympusReplica.MicronsPerPixel, result.MicronsPerPixel!.Value, 6);
        }

        await using var written = LocalFileSource.Open(output);
        var file = await TiffFileReader.ReadAsync(new CachedReader(written), default);
        Assert.Equal(10, file.Directories.Count);
        Assert.Equal((45048L, 40466L), (file.Directories[0].Width, file.Directories[0].Height));
        Assert.Equal((175L, 158L), (file.Directories[8].Width, file.Directories[8].Height));
        Assert.Equal((27L, 25L), (file.Directories[9].Width, file.Directories[9].Height));
        Assert.Null(file.Directories[9][TiffTag.TileWidth]);
        Assert.Equal("Olympus Soft Imaging Solutions", file.Directories[0].GetString(TiffTag.Make));
        Assert.Equal("VS120", file.Directories[0].GetString(TiffTag.Artist));
        Assert.NotNull(file.Directories[0].Exif);
        // 0.3448 µm per pixel = 29002.32 pixels per centimetre.
        Assert.Equal(3UL, file.Directories[0].GetUInt64(TiffTag.ResolutionUnit));
        Assert.Equal(1e4 / OlympusReplica.MicronsPerPixel, file.Directories[0][TiffTag.XResolution]!.GetRational(), 1);
        // Every directory lies in the head, before the first tile.
        long firstTile = (long)file.Directories[0][TiffTag.TileOffsets]!.GetUInt64Array().Min();
        Assert.All(file.Directories, d => Assert.True(d.Offset < firstTile));
    }
}
