using System.Text.Json;

namespace BtfConvert.Cli.Tests;

public sealed class InfoCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Json_reports_dimensions_strips_and_the_planned_levels()
    {
        string input = _dir.File("in.btf");
        Inputs.WriteStripTiff(input, 3001, 20);
        var r = await CliRunner.RunAsync("info", input, "--json");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StdOut);
        var root = doc.RootElement;
        Assert.Equal(3001, root.GetProperty("width").GetInt32());
        Assert.Equal(20, root.GetProperty("height").GetInt32());
        Assert.Equal(1, root.GetProperty("strips").GetInt32());
        Assert.Equal("BigTIFF", root.GetProperty("format").GetString());
        // 3001x20 halves to 187x1: a level stops only when it fits a tile or a side would reach zero.
        Assert.Equal(5, root.GetProperty("levels").GetArrayLength());
        Assert.True(root.GetProperty("estimatedOutputBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task A_compressed_tiled_input_is_described_as_it_is_stored()
    {
        string input = _dir.File("lzw.tif");
        LzwTiffWriter.Write(input, 600, 400, 16, (128, 128));
        var r = await CliRunner.RunAsync("info", input);
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Contains("Image:       600 x 400, 8-bit Rgb, LZW (5), tiles 128x128; converted as 3 samples/pixel, 8-bit", r.StdOut, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse((await CliRunner.RunAsync("info", input, "--json")).StdOut);
        Assert.Equal("8-bit Rgb, LZW (5), tiles 128x128", doc.RootElement.GetProperty("sourceFormat").GetString());
    }

    [Fact]
    public async Task Text_output_names_the_file()
    {
        string input = _dir.File("in.btf");
        Inputs.WriteStripTiff(input, 600, 600);
        var r = await CliRunner.RunAsync("info", input);
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Contains(input, r.StdOut, StringComparison.Ordinal);
        Assert.Contains("level 2: 150 x 150", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_on_an_output_describes_its_levels_associated_image_and_record()
    {
        string input = _dir.File("in.btf"), output = _dir.File("out.tiff");
        BtfConvert.Samples.BtfSampleWriter.Write(input, new BtfConvert.Samples.SampleSpec { Width = 700, Height = 500 });
        Assert.Equal(ExitCodes.Success, (await CliRunner.RunAsync("convert", input, output, "-c", "deflate", "--mpp", "0.25")).ExitCode);

        var r = await CliRunner.RunAsync("info", output, "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var root = JsonDocument.Parse(r.StdOut).RootElement;
        var dirs = root.GetProperty("directories").EnumerateArray().ToList();
        Assert.Equal(["level 0", "level 1", "level 2", "associated image thumbnail"], dirs.Select(d => d.GetProperty("role").GetString()));
        Assert.All(dirs.Take(3), d => Assert.Equal("deflate", d.GetProperty("compression").GetString()));
        Assert.Equal(256, dirs[0].GetProperty("tileWidth").GetInt32());
        Assert.Equal(0.25, root.GetProperty("resolutionMicronsPerPixel").GetDouble(), 6);
        var record = root.GetProperty("record");
        Assert.Equal(input, record.GetProperty("source").GetString());
        Assert.Contains("compression=deflate", record.GetProperty("options").GetString(), StringComparison.Ordinal);

        // JSON is for programs: the whole description (it was cut at 120 characters plus "…").
        string description = dirs[0].GetProperty("description").GetString()!;
        Assert.EndsWith("|AppMag = 20|associated-images=1", description, StringComparison.Ordinal);
        Assert.DoesNotContain("…", description, StringComparison.Ordinal);
        Assert.Equal("tiff-resolution", root.GetProperty("pixelSizeSource").GetString());
        Assert.Equal(0.25, root.GetProperty("micronsPerPixel").GetDouble(), 6);

        r = await CliRunner.RunAsync("info", output);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Contains($"  source: {input}", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("— associated image thumbnail", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("Pixel size:  0.25 µm (tiff-resolution: X/YResolution 40000 per cm)", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("Objective:   20x (image-description)", r.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_72_dpi_a_scanner_writes_is_no_pixel_size_and_info_says_why()
    {
        string input = _dir.File("plain.btf");
        BtfConvert.Samples.BtfSampleWriter.Write(input, new BtfConvert.Samples.SampleSpec { Width = 300, Height = 200, Olympus = false });
        var r = await CliRunner.RunAsync("info", input);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Contains("Pixel size:  unknown (X/YResolution 72 per inch (352.8 µm) is a software default, not a microscope's pixel size; use --mpp)", r.StdOut, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse((await CliRunner.RunAsync("info", input, "--json")).StdOut);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("micronsPerPixel").ValueKind);
        Assert.Equal("none", doc.RootElement.GetProperty("pixelSizeSource").GetString());
    }

    [Fact]
    public async Task Version_names_the_jpeg_encoder()
    {
        var r = await CliRunner.RunAsync("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^btfconvert \d+\.\d+\.\d+ \(jpeg encoder: .+\)", r.StdOut);
    }
}
