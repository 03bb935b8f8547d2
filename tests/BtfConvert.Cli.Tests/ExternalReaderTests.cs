using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BtfConvert.Samples;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// Outputs of the real command checked by the readers our users have: libtiff's tiffinfo and tiffdump, libvips,
/// GDAL, OpenSlide and tifffile (Debian packages that scripts/setup.sh installs). Outside CI a missing tool skips
/// its test; in CI (CI=true) it fails, so a broken setup cannot pass unnoticed.
/// </summary>
public sealed partial class ExternalReaderTests : IDisposable
{
    private const string SystemPython = "/usr/bin/python3";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(string Input, string Output)> ConvertAsync(string compression, SampleSpec spec)
    {
        string input = _dir.File("slide.btf"), output = _dir.File($"slide-{compression}.tiff");
        if (!File.Exists(input))
        {
            BtfSampleWriter.Write(input, spec);
        }

        var r = await CliRunner.RunAsync(input, output, "--compression", compression);
        Assert.True(r.ExitCode == ExitCodes.Success, r.StdErr);
        return (input, output);
    }

    private static readonly SampleSpec Olympus = new() { Width = 1100, Height = 900, Seed = 11 };

    [SkippableFact]
    public async Task Tiffinfo_reads_every_directory_without_errors()
    {
        RequireTool("tiffinfo");
        var (_, output) = await ConvertAsync("jpeg", Olympus);
        var r = CliRunner.RunProgram("tiffinfo", output);
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain("Error", r.StdErr, StringComparison.Ordinal);
        // 1100x900 → 550x450 → 275x225 → 137x112, then the 27x25 associated image.
        Assert.Equal(5, Regex.Matches(r.StdOut, "=== TIFF directory").Count);
        Assert.Contains("Compression Scheme: JPEG", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("Photometric Interpretation: YCbCr", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("Tile Width: 256 Tile Length: 256", r.StdOut, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Tiffdump_shows_every_directory_before_the_first_tile()
    {
        RequireTool("tiffdump");
        var (_, output) = await ConvertAsync("deflate", Olympus);
        var r = CliRunner.RunProgram("tiffdump", "-m", "100000", output);
        Assert.Equal(0, r.ExitCode);
        var directories = DirectoryOffset().Matches(r.StdOut).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        var tileOffsets = TileOffsets().Matches(r.StdOut)
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(5, directories.Count);
        Assert.NotEmpty(tileOffsets);
        Assert.All(directories, d => Assert.True(d < tileOffsets.Min(), $"IFD at {d} is not before the first tile at {tileOffsets.Min()}"));
    }

    [SkippableFact]
    public async Task Vips_sees_all_levels_with_floor_halved_sizes()
    {
        RequireTool("vipsheader");
        var (_, output) = await ConvertAsync("jpeg", Olympus);
        var pages = CliRunner.RunProgram("vipsheader", "-f", "n-pages", output);
        Assert.Equal(0, pages.ExitCode);
        Assert.Equal("5", pages.StdOut.Trim());
        string[] expected = ["1100x900", "550x450", "275x225", "137x112"];
        for (int i = 0; i < expected.Length; i++)
        {
            var r = CliRunner.RunProgram("vipsheader", $"{output}[page={i}]");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains($": {expected[i]} uchar, 3 bands", r.StdOut, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Gdal_sees_level_0_and_exactly_the_reduced_levels_as_overviews()
    {
        RequireTool("gdalinfo");
        var (_, output) = await ConvertAsync("jpeg", Olympus);
        var r = CliRunner.RunProgram("gdalinfo", output);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Size is 1100, 900", r.StdOut, StringComparison.Ordinal);
        // Exactly the levels: NewSubfileType 1 on the 27x25 image made GDAL list it too ("…, 137x112, 27x25");
        // with 0 it is a subdataset of its own.
        Assert.Equal("550x450, 275x225, 137x112", OverviewList().Match(r.StdOut).Groups[1].Value.Trim());
        Assert.Contains("(27P x 25L x 3B)", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("COMPRESSION=YCbCr JPEG", r.StdOut, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task OpenSlide_and_tifffile_read_a_lossless_output_pixel_exact()
    {
        RequirePythonReaders();
        var (input, output) = await ConvertAsync("deflate", Olympus);
        var report = CheckOutput(output, "--source", input, "--levels", "4", "--exact");
        Assert.Equal("generic-tiff", report.GetProperty("openslide_vendor").GetString());
        Assert.Equal(4, report.GetProperty("tifffile_tiled_pages").GetInt32());
        // The Olympus 27x25 image: listed by large_image's rules as "thumbnail", 8-bit RGB; not an OpenSlide level.
        Assert.Equal("[25,27,3]", report.GetProperty("large_image_associated").GetProperty("thumbnail").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal(0, report.GetProperty("openslide_associated").GetArrayLength());
    }

    [SkippableFact]
    public async Task OpenSlide_shows_jpeg_output_in_the_right_colours()
    {
        RequirePythonReaders();
        var (input, output) = await ConvertAsync("jpeg", Olympus);
        // OpenSlide decodes through libtiff, which shows YCbCr data labelled RGB at ~9 dB: 34 dB proves the labels.
        var report = CheckOutput(output, "--source", input, "--levels", "4", "--min-psnr", "34");
        Assert.True(report.GetProperty("openslide_level0_psnr").GetDouble() >= 34);
    }

    [SkippableFact]
    public async Task Grayscale_classic_tiff_input_reads_back_exactly()
    {
        RequirePythonReaders();
        var spec = new SampleSpec { Width = 700, Height = 333, SamplesPerPixel = 1, BigTiff = false, RowsPerStrip = 10, Seed = 5 };
        // Deflate: Debian's tifffile has no imagecodecs for LZW (LZW is checked through LibTiff.NET in Core).
        var (input, output) = await ConvertAsync("deflate", spec);
        CheckOutput(output, "--source", input, "--levels", "3", "--exact");
    }

    private static JsonElement CheckOutput(params string[] args)
    {
        string script = Path.Combine(Repository.Root, "tests", "tools", "check_output.py");
        var r = CliRunner.RunProgram(SystemPython, [script, .. args]);
        Assert.True(r.ExitCode == 0, $"check_output.py failed: {r.StdOut}\n{r.StdErr}");
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.Clone();
    }

    private static void RequireTool(string name)
    {
        bool present = File.Exists($"/usr/bin/{name}");
        if (!present && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"{name} is not installed; scripts/setup.sh should have installed it");
        }

        Skip.IfNot(present, $"{name} is not installed (run scripts/setup.sh)");
    }

    private static void RequirePythonReaders()
    {
        RequireTool("python3");
        var r = CliRunner.RunProgram(SystemPython, "-c", "import openslide, tifffile, numpy");
        bool present = r.ExitCode == 0;
        if (!present && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail($"python3-openslide/python3-tifffile are not installed: {r.StdErr}");
        }

        Skip.IfNot(present, "python3-openslide / python3-tifffile are not installed (run scripts/setup.sh)");
    }

    [GeneratedRegex(@"^Directory \d+: offset (\d+)", RegexOptions.Multiline)]
    private static partial Regex DirectoryOffset();

    [GeneratedRegex(@"^TileOffsets \(324\) LONG8? \(\d+\) \d+<([\d ]+)>", RegexOptions.Multiline)]
    private static partial Regex TileOffsets();
}
