using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BtfConvert.Samples;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// What the viewers make of an output beyond its pixels: GDAL's overview list and small reads, the associated image
/// kept out of every pyramid, the pixel size and objective power through a second conversion and large_image's
/// rules, the EXIF IFD as exiftool validates it, and the GETs a remote GDAL reader needs against GDAL's own COG.
/// </summary>
public sealed partial class ExternalReaderTests
{
    [SkippableFact]
    public async Task Gdal_returns_slide_pixels_at_every_output_size()
    {
        RequireTool("gdal_translate");
        var (_, output) = await ConvertAsync("deflate", Olympus);
        double slide = BandMeans(output)[0];
        // Widths at, between and below the levels (137 is the smallest; 27 is the associated image's width): a read
        // that took the associated image returned its contrast-stretched gradient, mean 127.5, instead of the slide.
        foreach (int width in new[] { 4, 16, 27, 64, 112, 137, 200, 550 })
        {
            string png = _dir.File($"small-{width}.png");
            var t = CliRunner.RunProgram("gdal_translate", "-q", "-of", "PNG", "-outsize", width.ToString(CultureInfo.InvariantCulture), "0", output, png);
            Assert.True(t.ExitCode == 0, t.StdErr);
            double mean = BandMeans(png)[0];
            Assert.True(Math.Abs(mean - slide) < 10, $"gdal_translate -outsize {width} 0: band 1 mean {mean:0.0}, the slide's is {slide:0.0}");
        }
    }

    [SkippableFact]
    public async Task Tifffile_and_OpenSlide_keep_the_associated_image_out_of_the_pyramid_and_large_image_lists_it()
    {
        RequirePythonReaders();
        var (_, output) = await ConvertAsync("deflate", Olympus);
        var report = CheckOutput(output, "--levels", "4");
        var series = report.GetProperty("tifffile_series").EnumerateArray().ToList();
        Assert.Equal(2, series.Count);
        Assert.Equal(4, series[0].GetProperty("levels").GetInt32());
        Assert.Equal("[25,27,3]", series[1].GetProperty("shape").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal(4, report.GetProperty("openslide_levels").GetArrayLength());
        Assert.True(report.GetProperty("large_image_associated").TryGetProperty("thumbnail", out _));
        var pages = CliRunner.RunProgram("vipsheader", "-f", "n-pages", output);
        Assert.Equal("5", pages.StdOut.Trim());
    }

    [SkippableFact]
    public async Task An_output_converted_again_keeps_its_pixel_size_and_objective_and_large_image_reports_the_magnification()
    {
        RequirePythonReaders();
        var (_, first) = await ConvertAsync("jpeg", Olympus);
        string second = _dir.File("again.tiff");
        var r = await CliRunner.RunAsync(first, second);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.DoesNotContain("mpp unknown", r.Output, StringComparison.Ordinal);

        using var info = JsonDocument.Parse((await CliRunner.RunAsync("info", second, "--json")).StdOut);
        var root = info.RootElement;
        Assert.Equal(Olympus.MicronsPerPixel, root.GetProperty("micronsPerPixel").GetDouble(), 6);
        Assert.Equal("tiff-resolution", root.GetProperty("pixelSizeSource").GetString());
        Assert.Equal(20, root.GetProperty("magnification").GetDouble());
        Assert.Equal("image-description", root.GetProperty("objectiveSource").GetString());

        foreach (string output in new[] { first, second })
        {
            // large_image's tiff source: magnification from "AppMag = 20", pixel size from X/YResolution (per cm).
            var native = CheckOutput(output).GetProperty("large_image_native");
            Assert.Equal(20, native.GetProperty("magnification").GetDouble());
            Assert.Equal(Olympus.MicronsPerPixel / 1000, native.GetProperty("mm_x").GetDouble(), 9);
        }
    }

    [SkippableFact]
    public async Task Exiftool_finds_the_copied_exif_valid()
    {
        RequireTool("exiftool");
        var (_, output) = await ConvertAsync("jpeg", Olympus);
        var r = CliRunner.RunProgram("exiftool", "-validate", "-warning", "-a", output);
        Assert.Equal(0, r.ExitCode);
        // The source's EXIF (as the VS120 writes it) had ExifImageWidth/Height ("not allowed in TIFF") and
        // ExposureMode under ExifVersion 0210. Tiled JPEG makes exiftool's baseline-TIFF IFD0 checks warn; not EXIF.
        Assert.DoesNotContain("ExifIFD", r.StdOut, StringComparison.Ordinal);
        var exif = CliRunner.RunProgram("exiftool", "-s", "-ExifVersion", "-ExposureMode", "-ExposureTime", output);
        Assert.Contains("ExifVersion                     : 0220", exif.StdOut, StringComparison.Ordinal);
        Assert.Contains("ExposureMode                    : Manual", exif.StdOut, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Gdal_over_http_opens_and_reads_two_tiles_with_no_more_gets_than_its_own_cog()
    {
        RequireTool("gdal_translate");
        var probe = CliRunner.RunProgram(SystemPython, "-c", "from osgeo import gdal");
        Skip.If(probe.ExitCode != 0 && Environment.GetEnvironmentVariable("CI") != "true", "python3-gdal is not installed (run scripts/setup.sh)");
        Assert.True(probe.ExitCode == 0, "python3-gdal is not installed: " + probe.StdErr);

        // Level 0's tile arrays must pass GDAL's first 16 KB read (3072 tiles of 128²), and both files are BigTIFF,
        // as both tools make them for a real slide (5.4 GB raw: GDAL's BIGTIFF=IF_SAFER, our worst-case rule): 5 GETs
        // each (6 while level 0's arrays sat between IFD 0 and IFD 1). In classic TIFF the COG takes 4 to our 5: its
        // overview tiles follow the arrays, where a one-pass writer cannot put them (docs/s3.md).
        var spec = new SampleSpec { Width = 8192, Height = 6144, Seed = 3 };
        string input = _dir.File("large.btf"), output = _dir.File("large.tiff"), cog = _dir.File("large-cog.tif");
        BtfSampleWriter.Write(input, spec);
        var r = await CliRunner.RunAsync(input, output, "--tile-size", "128", "--bigtiff", "yes");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var g = CliRunner.RunProgram("gdal_translate", "-q", "-of", "COG", "-co", "COMPRESS=JPEG", "-co", "QUALITY=90",
            "-co", "BLOCKSIZE=128", "-co", "BIGTIFF=YES", input, cog);
        Assert.True(g.ExitCode == 0, g.StdErr);

        var counts = CliRunner.RunProgram(SystemPython, Path.Combine(Repository.Root, "tests", "tools", "vsicurl_gets.py"), output, cog);
        Assert.True(counts.ExitCode == 0, counts.StdErr);
        var lines = counts.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        int ours = lines[0].GetProperty("gets").GetInt32(), theirs = lines[1].GetProperty("gets").GetInt32();
        Assert.True(ours <= theirs, $"open + top tile + level-0 tile: {ours} GETs ({lines[0]}), GDAL's COG {theirs} ({lines[1]})");
        // Every IFD lies in GDAL's first read: the open itself is one GET.
        Assert.Equal("[0,16383]", lines[0].GetProperty("ranges")[0].GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal));
    }

    /// <summary>Each band's mean as gdalinfo -stats computes it (exact, from the full-resolution pixels).</summary>
    private static double[] BandMeans(string file)
    {
        var r = CliRunner.RunProgram("gdalinfo", "-stats", file);
        Assert.True(r.ExitCode == 0, r.StdErr);
        return [.. Regex.Matches(r.StdOut, @"STATISTICS_MEAN=([\d.]+)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];
    }

    [GeneratedRegex(@"^\s*Overviews: (.*)$", RegexOptions.Multiline)]
    private static partial Regex OverviewList();
}
