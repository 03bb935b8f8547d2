using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.Tests.Support;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Conversion;

/// <summary>
/// Generated inputs of awkward sizes, converted and read back with LibTiff.NET (a port of libtiff, independent of
/// our parser): lossless outputs must equal the source exactly at level 0 and the exact 2×2 box average of the
/// level above at every reduced level; JPEG outputs must stay above a PSNR floor.
/// </summary>
public sealed class RoundTripTests : IDisposable
{
    /// <summary>
    /// JPEG quality 90 with 4:2:0 chroma on the tissue-like samples measures 37–40 dB (the references' 40.4 dB is for
    /// 256² tiles of real tissue; our synthetic nuclei are sharper). 34 dB is well below that, yet a wrong colour
    /// space (RGB data labelled YCbCr gives ~9 dB), shifted tiles or a broken edge padding fall far under it.
    /// </summary>
    private const double JpegPsnrFloor = 34;

    /// <summary>
    /// Images narrower or shorter than a 16-pixel MCU lose their chroma detail to 4:2:0 subsampling whatever the
    /// encoder does (a 2-pixel-wide image measures 33.7 dB); 30 dB still catches every error named above.
    /// </summary>
    private const double DegenerateJpegPsnrFloor = 30;

    private readonly TempDirectory _dir = new();

    /// <summary>
    /// Olympus-like samples carry a 27×25 second IFD; below that size it would be the largest IFD and so, by the
    /// documented rule, the main image. Tiny cases therefore use plain samples.
    /// </summary>
    private static SampleSpec Spec(int width, int height, int rowsPerStrip, int spp, int seed) => new()
    {
        Width = width,
        Height = height,
        RowsPerStrip = rowsPerStrip,
        SamplesPerPixel = spp,
        Seed = seed,
        Olympus = (long)width * height > 27 * 25,
    };

    public void Dispose() => _dir.Dispose();

    public static TheoryData<int, int, int, int> AwkwardSizes => new()
    {
        // width, height, rows per strip, samples per pixel
        { 1, 1, 64, 3 },
        { 255, 257, 64, 3 },
        { 1000, 777, 64, 3 },
        { 513, 300, 7, 3 },
        { 300, 1000, 1000, 1 },
        { 256, 512, 100, 3 },
        { 2, 3000, 64, 3 },
    };

    [Theory]
    [MemberData(nameof(AwkwardSizes))]
    public async Task Lossless_levels_equal_the_source_and_the_exact_box_average(int width, int height, int rowsPerStrip, int spp)
    {
        foreach (var compression in new[] { TileCompression.None, TileCompression.Deflate, TileCompression.Lzw })
        {
            var spec = Spec(width, height, rowsPerStrip, spp, seed: width + height);
            var converted = await SampleConversion.RunAsync(_dir, spec, new ConversionOptions { Compression = compression }, compression.ToString());
            var levels = LibTiffReader.ReadAll(converted.Output).Where(d => d.Tiled).ToList();
            Assert.Equal(converted.Result.Plan.Levels.Count, levels.Count);

            foreach (var (i, expected, w, h) in ExactLevels(converted.SourcePixels, width, height, spp, levels.Count))
            {
                Assert.Equal((w, h, spp), (levels[i].Width, levels[i].Height, levels[i].SamplesPerPixel));
                Assert.True(expected.AsSpan().SequenceEqual(levels[i].Pixels),
                    $"{compression} level {i} ({w}x{h}) differs from the reference");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AwkwardSizes))]
    public async Task Jpeg_levels_stay_above_the_psnr_floor(int width, int height, int rowsPerStrip, int spp)
    {
        var spec = Spec(width, height, rowsPerStrip, spp, seed: 3);
        var converted = await SampleConversion.RunAsync(_dir, spec, new ConversionOptions());
        var levels = LibTiffReader.ReadAll(converted.Output).Where(d => d.Tiled).ToList();
        Assert.Equal(converted.Result.Plan.Levels.Count, levels.Count);
        // Each level is shrunk from the exact level above (not from decoded JPEG), so compare with that.
        foreach (var (i, expected, w, h) in ExactLevels(converted.SourcePixels, width, height, spp, levels.Count))
        {
            Assert.Equal((w, h), (levels[i].Width, levels[i].Height));
            double psnr = Reference.Psnr(expected, levels[i].Pixels);
            double floor = Math.Min(w, h) < 16 ? DegenerateJpegPsnrFloor : JpegPsnrFloor;
            Assert.True(psnr >= floor, $"level {i} ({w}x{h}) PSNR {psnr:0.00} dB < {floor}");
        }
    }

    /// <summary>The source, then each exact box average of the level above: what level i must hold.</summary>
    private static IEnumerable<(int Index, byte[] Pixels, int Width, int Height)> ExactLevels(byte[] source, int width, int height, int spp, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                source = Reference.Shrink(source, width, height, spp, out width, out height);
            }

            yield return (i, source, width, height);
        }
    }

    [Theory]
    [InlineData(false, false, StripOrder.InOrder)]
    [InlineData(false, true, StripOrder.Reverse)]
    [InlineData(true, false, StripOrder.Shuffled)]
    public async Task Classic_big_endian_and_out_of_order_strips_convert_exactly(bool bigTiff, bool littleEndian, StripOrder order)
    {
        var spec = new SampleSpec { Width = 600, Height = 450, RowsPerStrip = 16, BigTiff = bigTiff, LittleEndian = littleEndian, StripOrder = order };
        var converted = await SampleConversion.RunAsync(_dir, spec, new ConversionOptions { Compression = TileCompression.Deflate });
        var level0 = LibTiffReader.ReadAll(converted.Output)[0];
        Assert.True(converted.SourcePixels.AsSpan().SequenceEqual(level0.Pixels));
        Assert.Equal(0.3448, converted.Result.MicronsPerPixel!.Value, 6);
    }

    [Theory]
    [InlineData(TileCompression.Jpeg)]
    [InlineData(TileCompression.Deflate)]
    public async Task Output_is_byte_identical_for_any_thread_count(TileCompression compression)
    {
        var spec = new SampleSpec { Width = 1300, Height = 900 };
        string input = _dir.File("in.btf");
        BtfSampleWriter.Write(input, spec);
        var outputs = new List<byte[]>();
        foreach (int threads in new[] { 1, 2, 5 })
        {
            string output = _dir.File($"out-{threads}.tiff");
            await SampleConversion.ConvertFileAsync(input, output, new ConversionOptions { Compression = compression, Threads = threads });
            outputs.Add(await File.ReadAllBytesAsync(output));
        }

        Assert.All(outputs, o => Assert.Equal(outputs[0], o));
    }

    [Fact]
    public async Task Associated_thumbnail_follows_the_levels_as_a_named_8_bit_RGB_strip_image()
    {
        var converted = await SampleConversion.RunAsync(_dir, new SampleSpec { Width = 700, Height = 500 }, new ConversionOptions());
        var dirs = LibTiffReader.ReadAll(converted.Output);
        var thumb = dirs[^1];
        Assert.False(thumb.Tiled);
        // 8-bit RGB, named by the first word of its description (what large_image lists it under and can show).
        Assert.Equal((27, 25, 3), (thumb.Width, thumb.Height, thumb.SamplesPerPixel));
        // NewSubfileType 0, not 1 (reduced resolution): GDAL took it for the smallest overview of the slide.
        Assert.Equal(0, thumb.SubfileType);
        Assert.StartsWith("thumbnail (BtfConvert associated image: source IFD 1, 27x25 16-bit", thumb.Description, StringComparison.Ordinal);
        // The 16-bit gradient is contrast-stretched to the full 8-bit range, row by row increasing.
        Assert.Equal(0, thumb.Pixels[0]);
        Assert.Equal(255, thumb.Pixels[^1]);
        Assert.True(thumb.Pixels.Zip(thumb.Pixels.Skip(1)).All(p => p.First <= p.Second));
        Assert.All(dirs.Take(dirs.Count - 1), d => Assert.True(d.Tiled));
    }
}
