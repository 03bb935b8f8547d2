using BitMiracle.LibTiff.Classic;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tests.Support;
using Spec = BtfConvert.Core.Tests.Support.TiffKindWriter.Spec;

namespace BtfConvert.Core.Tests.Conversion;

/// <summary>
/// Issue 14: every kind of strip or tiled TIFF users meet, written by LibTiff.NET, converted, and level 0 read back
/// with LibTiff.NET: exactly what a user expects for lossless sources, above a PSNR floor for JPEG and subsampled
/// YCbCr sources.
/// </summary>
public sealed class AnyTiffConversionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Kinds => [.. AnyTiffKinds.Names];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Each_kind_converts_to_what_a_user_expects(string name)
    {
        var kind = AnyTiffKinds.Get(name);
        string input = _dir.File($"{name}.tif"), output = _dir.File($"{name}.tiff");
        TiffKindWriter.Write(input, (kind.Spec, kind.Stored));

        await SampleConversion.ConvertFileAsync(input, output, new ConversionOptions { Compression = TileCompression.Deflate, TileSize = 64 });

        var level0 = LibTiffReader.ReadAll(output)[0];
        Assert.Equal((AnyTiffKinds.Width, AnyTiffKinds.Height, kind.OutputSamples), (level0.Width, level0.Height, level0.SamplesPerPixel));
        if (kind.PsnrFloor is { } floor)
        {
            double psnr = Reference.Psnr(kind.Expected, level0.Pixels);
            Assert.True(psnr >= floor, $"{name}: PSNR {psnr:0.0} dB < {floor}");
        }
        else
        {
            int differing = kind.Expected.Zip(level0.Pixels).Count(p => p.First != p.Second);
            Assert.True(differing == 0, $"{name}: {differing} samples differ from what the user expects");
        }
    }

    [Fact]
    public async Task Rgba16_to_jpeg_drops_alpha_and_keeps_the_picture()
    {
        var rgb = AnyTiffKinds.Get("rgb16-lzw-strips");
        var spec = new Spec(AnyTiffKinds.Width, AnyTiffKinds.Height, 4, 16, Photometric.RGB) { Compression = Compression.LZW, Extra = ExtraSample.UNASSALPHA };
        var stored = new byte[rgb.Stored.Length / 3 * 4];
        for (int i = 0; i < stored.Length / 8; i++)
        {
            rgb.Stored.AsSpan(i * 6, 6).CopyTo(stored.AsSpan(i * 8));
        }

        string input = _dir.File("rgba16.tif"), output = _dir.File("rgba16.tiff");
        TiffKindWriter.Write(input, (spec, stored));
        await SampleConversion.ConvertFileAsync(input, output, new ConversionOptions { Compression = TileCompression.Jpeg });
        var level0 = LibTiffReader.ReadAll(output)[0];
        Assert.Equal(3, level0.SamplesPerPixel);
        double psnr = Reference.Psnr(rgb.Expected, level0.Pixels);
        Assert.True(psnr >= 34, $"PSNR {psnr:0.0} dB");
    }

    [Fact]
    public async Task An_existing_pyramid_is_converted_from_its_full_resolution_level_and_says_so()
    {
        var full = AnyTiffKinds.Get("lzw-rgb-tiles");
        byte[] half = Reference.Shrink(full.Expected, AnyTiffKinds.Width, AnyTiffKinds.Height, 3, out int w1, out int h1);
        var label = new Spec(60, 40, 1, 8, Photometric.MINISBLACK) { Compression = Compression.LZW, Reduced = true };
        string input = _dir.File("pyramid.tif"), output = _dir.File("pyramid.tiff");
        TiffKindWriter.Write(input,
            (full.Spec, full.Stored),
            (new Spec(w1, h1, 3, 8, Photometric.RGB) { Compression = Compression.LZW, Tile = (64, 48), Reduced = true }, half),
            (label, new byte[60 * 40]));

        await using var source = LocalFileSource.Open(input);
        var info = await SourceInspector.InspectAsync(source, default);
        Assert.Equal(0, info.Main.DirectoryIndex);
        string note = Assert.Single(info.Notes);
        Assert.Contains("main image: IFD 0 of 3", note, StringComparison.Ordinal);
        Assert.Contains("pyramid", note, StringComparison.Ordinal);
        Assert.Contains("(IFD 1)", note, StringComparison.Ordinal);
        // The label (stripped, LZW) is kept as an associated image; the reduced level is rebuilt, not copied.
        Assert.Equal([2], info.AssociatedImages.Select(a => a.SourceDirectoryIndex));

        await SampleConversion.ConvertFileAsync(input, output, new ConversionOptions { Compression = TileCompression.Lzw });
        var dirs = LibTiffReader.ReadAll(output);
        Assert.True(full.Expected.AsSpan().SequenceEqual(dirs[0].Pixels));
        Assert.True(half.AsSpan().SequenceEqual(dirs[1].Pixels));
        Assert.Equal((60, 40), (dirs[^1].Width, dirs[^1].Height));
    }

    [Theory]
    [InlineData(32, Photometric.MINISBLACK, 1, SampleFormat.IEEEFP, "floating-point samples are not supported")]
    [InlineData(8, Photometric.SEPARATED, 4, null, "photometric interpretation CMYK/separated (5) is not supported")]
    [InlineData(8, Photometric.CIELAB, 3, null, "photometric interpretation CIELab (8) is not supported")]
    [InlineData(16, Photometric.MINISBLACK, 1, SampleFormat.INT, "signed integer samples are not supported")]
    public async Task Unsupported_kinds_fail_with_one_line_naming_what(int bits, Photometric photometric, int spp, SampleFormat? format, string message)
    {
        string input = _dir.File("unsupported.tif");
        var spec = new Spec(40, 30, spp, bits, photometric) { SampleFormat = format };
        TiffKindWriter.Write(input, (spec, new byte[40 * 30 * spp * bits / 8]));
        await using var source = LocalFileSource.Open(input);
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => SourceInspector.InspectAsync(source, default));
        Assert.StartsWith($"{input}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Output_of_a_decoded_input_is_byte_identical_for_any_thread_count()
    {
        var kind = AnyTiffKinds.Get("planar-rgb16-lzw-tiles");
        string input = _dir.File("in.tif");
        TiffKindWriter.Write(input, (kind.Spec, kind.Stored));
        var outputs = new List<byte[]>();
        foreach (int threads in new[] { 1, 3 })
        {
            string output = _dir.File($"out-{threads}.tiff");
            await SampleConversion.ConvertFileAsync(input, output, new ConversionOptions { Threads = threads, TileSize = 64 });
            outputs.Add(await File.ReadAllBytesAsync(output));
        }

        Assert.Equal(outputs[0], outputs[1]);
    }
}
