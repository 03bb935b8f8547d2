using System.Globalization;

namespace BtfConvert.Cli.Tests;

/// <summary>Compressed inputs (issue 14): libvips, reading the input with libtiff, sees the same pixels as our level 0.</summary>
public sealed partial class ExternalReaderTests
{
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Vips_sees_the_same_pixels_in_an_lzw_input_and_its_conversion(bool tiled)
    {
        RequireTool("vips");
        string input = _dir.File("lzw.tif"), output = _dir.File("lzw.tiff");
        LzwTiffWriter.Write(input, 700, 500, 16, tiled ? (128, 128) : null);
        var r = await CliRunner.RunAsync(input, output, "--compression", "deflate");
        Assert.True(r.ExitCode == ExitCodes.Success, r.StdErr);

        string diff = _dir.File("diff.v"), abs = _dir.File("abs.v");
        Assert.Equal(0, CliRunner.RunProgram("vips", "subtract", input, output, diff).ExitCode);
        Assert.Equal(0, CliRunner.RunProgram("vips", "abs", diff, abs).ExitCode);
        var max = CliRunner.RunProgram("vips", "max", abs);
        Assert.True(max.ExitCode == 0, max.StdErr);
        Assert.Equal(0, double.Parse(max.StdOut.Trim(), CultureInfo.InvariantCulture));
    }
}
