using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.Encoding.TurboJpeg;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tests.Support;
using BtfConvert.Samples;
using BitMiracle.LibTiff.Classic;
using LibTiff = BitMiracle.LibTiff.Classic.Tiff;

namespace BtfConvert.Core.Tests.Encoding;

/// <summary>Both JPEG encoders end to end: decoded by LibTiff.NET (a libtiff port), never by our own code.</summary>
public sealed class JpegConversionTests : IDisposable
{
    // Quality 90 on this noisy tissue-like sample measures 37.9 dB (RGB, 4:2:0) and 40.2 dB (gray) through
    // LibTiff.NET with either encoder; GDAL's COG at Q90 scores about the same on the same content (bench/). The
    // floors sit 3 dB below that: tiles decoded with the wrong colour interpretation (RGB data tagged YCbCr, or the
    // reverse) land near 9 dB, and a lower effective quality (q75) loses more than 3 dB here.
    private const double RgbPsnrFloor = 35;
    private const double GrayPsnrFloor = 37;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<JpegEncoderPreference, int> Cases => new()
    {
        { JpegEncoderPreference.Managed, 3 },
        { JpegEncoderPreference.Managed, 1 },
        { JpegEncoderPreference.Native, 3 },
        { JpegEncoderPreference.Native, 1 },
    };

    private string Sample(int width, int height, int spp)
    {
        string path = _dir.File($"in-{width}x{height}-{spp}.btf");
        if (!File.Exists(path))
        {
            BtfSampleWriter.Write(path, new SampleSpec { Width = width, Height = height, SamplesPerPixel = spp, Seed = 11, Olympus = false });
        }

        return path;
    }

    private static async Task<ConversionResult> ConvertAsync(string input, string output, ConversionOptions options)
    {
        await using var source = LocalFileSource.Open(input);
        var info = await SourceInspector.InspectAsync(source, default);
        await using var sink = new LocalFileSink(output, overwrite: true);
        return await TiffConverter.ConvertAsync(info, source, sink, options, null, default);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Tiles_decode_through_libtiff_close_to_the_source(JpegEncoderPreference encoder, int spp)
    {
        Skip.If(encoder == JpegEncoderPreference.Native && !TurboJpegLibrary.IsAvailable, "libturbojpeg.so.0 is not installed");
        const int Width = 700, Height = 600; // partial tiles on the right and bottom edges
        string output = _dir.File($"out-{encoder}-{spp}.tiff");
        var result = await ConvertAsync(Sample(Width, Height, spp), output, new ConversionOptions { JpegEncoder = encoder });
        Assert.Contains(encoder == JpegEncoderPreference.Native ? "libjpeg-turbo" : "ImageSharp", result.Encoder, StringComparison.Ordinal);

        var levels = LibTiffReader.ReadAll(output);
        var level0 = levels[0];
        Assert.Equal((Width, Height, spp, 7), (level0.Width, level0.Height, level0.SamplesPerPixel, level0.Compression));
        Assert.Equal(spp == 3 ? 6 : 1, level0.Photometric);
        byte[] expected = new TissuePattern(11, Width, Height, spp).Render();
        double psnr = Reference.Psnr(expected, level0.Pixels);
        Assert.True(psnr > (spp == 3 ? RgbPsnrFloor : GrayPsnrFloor), $"level 0 PSNR {psnr:0.00} dB");

        // Reduced levels are JPEG of the exact box average.
        byte[] shrunk = Reference.Shrink(expected, Width, Height, spp, out int w1, out int h1);
        Assert.Equal((w1, h1), (levels[1].Width, levels[1].Height));
        double psnr1 = Reference.Psnr(shrunk, levels[1].Pixels);
        Assert.True(psnr1 > (spp == 3 ? RgbPsnrFloor : GrayPsnrFloor) - 3, $"level 1 PSNR {psnr1:0.00} dB");

        // Tables live once per level in JPEGTables; the tiles themselves carry none.
        using var tiff = LibTiff.Open(output, "r")!;
        var tables = tiff.GetField(TiffTag.JPEGTABLES);
        Assert.NotNull(tables);
        byte[] raw = new byte[tiff.RawTileSize(0)];
        int n = tiff.ReadRawTile(0, raw, 0, raw.Length);
        Assert.True(n > 0);
        Assert.Equal(-1, raw.AsSpan(0, n).IndexOf([(byte)0xFF, (byte)0xDB]) is var i && i >= 0 && i < raw.AsSpan(0, n).IndexOf([(byte)0xFF, (byte)0xDA]) ? i : -1);
    }

    [SkippableTheory]
    [InlineData(JpegEncoderPreference.Managed, 3)]
    [InlineData(JpegEncoderPreference.Managed, 1)]
    [InlineData(JpegEncoderPreference.Native, 3)]
    public async Task The_largest_tiles_the_cli_accepts_encode_with_either_encoder(JpegEncoderPreference encoder, int spp)
    {
        // ImageSharp splits images over ~4 MiB into several buffers unless told otherwise: 2048² RGB is 12 MiB.
        Skip.If(encoder == JpegEncoderPreference.Native && !TurboJpegLibrary.IsAvailable, "libturbojpeg.so.0 is not installed");
        string output = _dir.File($"big-tiles-{encoder}-{spp}.tiff");
        await ConvertAsync(Sample(2100, 1300, spp), output, new ConversionOptions { JpegEncoder = encoder, TileSize = 2048 });
        var level0 = LibTiffReader.ReadAll(output)[0];
        double psnr = Reference.Psnr(new TissuePattern(11, 2100, 1300, spp).Render(), level0.Pixels);
        Assert.True(psnr > (spp == 3 ? RgbPsnrFloor : GrayPsnrFloor), $"level 0 PSNR {psnr:0.00} dB");
    }

    [SkippableTheory]
    [InlineData(JpegEncoderPreference.Native)]
    [InlineData(JpegEncoderPreference.Managed)]
    public async Task OpenSlide_reads_the_levels_with_shared_tables(JpegEncoderPreference encoder)
    {
        // OpenSlide (libtiff + libjpeg, what slide viewers use) must apply JPEGTables to the abbreviated tiles.
        Skip.If(encoder == JpegEncoderPreference.Native && !TurboJpegLibrary.IsAvailable, "libturbojpeg.so.0 is not installed");
        string checker = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../tools/check_output.py"));
        Skip.IfNot(File.Exists("/usr/bin/python3") && File.Exists(checker), "no /usr/bin/python3 or check_output.py");
        string input = Sample(700, 600, 3);
        string output = _dir.File($"openslide-{encoder}.tiff");
        await ConvertAsync(input, output, new ConversionOptions { JpegEncoder = encoder });

        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { checker, output, "--source", input, "--levels", "3", "--min-psnr", RgbPsnrFloor.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        string stdout = await process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Skip.If(stderr.Contains("No module named", StringComparison.Ordinal), $"python modules missing: {stderr}");
        Assert.True(process.ExitCode == 0, $"check_output.py: {stdout} {stderr}");
        Assert.Contains("\"failures\": []", stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Native_and_managed_outputs_are_byte_identical_across_thread_counts()
    {
        string input = Sample(1100, 900, 3);
        foreach (var encoder in new[] { JpegEncoderPreference.Managed, JpegEncoderPreference.Native })
        {
            if (encoder == JpegEncoderPreference.Native && !TurboJpegLibrary.IsAvailable)
            {
                continue;
            }

            byte[]? first = null;
            foreach (int threads in new[] { 1, 2, 4 })
            {
                string output = _dir.File($"threads-{encoder}-{threads}.tiff");
                await ConvertAsync(input, output, new ConversionOptions { JpegEncoder = encoder, Threads = threads });
                byte[] bytes = await File.ReadAllBytesAsync(output);
                if (first is null)
                {
                    first = bytes;
                }
                else
                {
                    Assert.True(first.AsSpan().SequenceEqual(bytes), $"{encoder}: --threads {threads} differs from --threads 1");
                }
            }
        }
    }

    [Fact]
    public void The_native_encoder_is_the_default_wherever_the_library_is_installed()
    {
        // Checked against the file system, not through the loader the product uses.
        bool installed = new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib" }
            .Any(d => File.Exists(Path.Combine(d, "libturbojpeg.so.0")));
        bool forcedManaged = string.Equals(Environment.GetEnvironmentVariable(TileEncoderFactories.JpegEncoderVariable), "managed", StringComparison.OrdinalIgnoreCase);
        var factory = TileEncoderFactories.Create(TileCompression.Jpeg, new TileFormat(256, 256, 3));
        if (installed && !forcedManaged)
        {
            Assert.StartsWith("libjpeg-turbo", TileEncoderFactories.JpegEncoderDescription, StringComparison.Ordinal);
            Assert.IsType<TurboJpegTileEncoder.Factory>(factory);
        }
        else
        {
            Assert.StartsWith("ImageSharp", TileEncoderFactories.JpegEncoderDescription, StringComparison.Ordinal);
            Assert.IsType<ImageSharpJpegTileEncoder.Factory>(factory);
        }
    }

    [Fact]
    public void Asking_for_the_native_encoder_without_the_library_fails_clearly()
    {
        if (TurboJpegLibrary.IsAvailable)
        {
            Assert.IsType<TurboJpegTileEncoder.Factory>(
                TileEncoderFactories.Create(TileCompression.Jpeg, new TileFormat(256, 256, 3), 90, JpegEncoderPreference.Native));
        }
        else
        {
            Assert.Throws<NotSupportedException>(() =>
                TileEncoderFactories.Create(TileCompression.Jpeg, new TileFormat(256, 256, 3), 90, JpegEncoderPreference.Native));
        }
    }
}
