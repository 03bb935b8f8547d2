using System.Text.Json;
using BtfConvert.Samples;
using BtfConvert.Samples.Malformed;

namespace BtfConvert.Cli.Tests.Robustness;

public sealed class VerifyCommandTests : IDisposable
{
    private static readonly SampleSpec Spec = new() { Width = 600, Height = 420, RowsPerStrip = 64, Seed = 5 };
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(string Source, string Output)> ConvertAsync(string compression, SampleSpec? spec = null)
    {
        string source = _dir.File("in.btf"), output = _dir.File($"out-{compression}.tiff");
        if (!File.Exists(source) || spec is not null)
        {
            BtfSampleWriter.Write(source, spec ?? Spec);
        }

        var r = await CliRunner.RunAsync("convert", source, output, "-c", compression, "--overwrite", "-q");
        Assert.True(r.ExitCode == ExitCodes.Success, r.StdErr);
        return (source, output);
    }

    [Theory]
    [InlineData("jpeg")]
    [InlineData("deflate")]
    [InlineData("zstd")]
    [InlineData("lzw")]
    [InlineData("none")]
    public async Task Passes_on_a_good_output_of_every_compression(string compression)
    {
        var (source, output) = await ConvertAsync(compression);
        var r = await CliRunner.RunAsync("verify", output, "--source", source, "--samples", "4", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.StdOut + r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var root = json.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal(3, root.GetProperty("levels").GetArrayLength());
        Assert.Equal(["structure", "levels", "tile-layout", "tile-decode", "source-dimensions", "level0-vs-source", "level1-vs-source"],
            root.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        // 600x420: 3x2 + 2x1 + 1 tiles.
        Assert.Equal(9, root.GetProperty("tilesDecoded").GetInt64());
        Assert.Equal(4 + 2, root.GetProperty("windowsCompared").GetInt32());
        if (compression == "jpeg")
        {
            Assert.InRange(root.GetProperty("lowestPsnr").GetDouble(), 30, 99);
        }
    }

    [Fact]
    public async Task Passes_on_grayscale_jpeg()
    {
        var (source, output) = await ConvertAsync("jpeg", Spec with { SamplesPerPixel = 1, Seed = 9 });
        var r = await CliRunner.RunAsync("verify", output, "--source", source);
        Assert.True(r.ExitCode == ExitCodes.Success, r.StdOut + r.StdErr);
        Assert.Contains("PASSED", r.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deflate")]
    [InlineData("jpeg")]
    [InlineData("zstd")]
    public async Task Fails_on_a_corrupted_tile(string compression)
    {
        var (_, output) = await ConvertAsync(compression);
        var bytes = File.ReadAllBytes(output);
        var p = new TiffPatcher(bytes);
        long entry = p.Entry(p.Ifd(0), 324);
        long tileOffset = (long)p.GetValue(entry, 1);
        // Overwrite the start of tile 1 (JPEG: its SOI and tables; zlib/zstd: header and first block).
        bytes.AsSpan((int)tileOffset, 64).Fill(0x5A);
        File.WriteAllBytes(output, bytes);
        var r = await CliRunner.RunAsync("verify", output);
        AssertFails(r, output, "tile-decode: level 0 tile 1 does not decode");
    }

    [Fact]
    public async Task Fails_on_a_truncated_output()
    {
        var (_, output) = await ConvertAsync("deflate");
        var bytes = File.ReadAllBytes(output);
        File.WriteAllBytes(output, bytes[..(bytes.Length * 2 / 3)]);
        var r = await CliRunner.RunAsync("verify", output);
        AssertFails(r, output, "is outside the file");
        Assert.Contains("truncated", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fails_on_a_level_with_wrong_dimensions()
    {
        var (_, output) = await ConvertAsync("lzw");
        var p = new TiffPatcher(File.ReadAllBytes(output));
        long entry = p.Entry(p.Ifd(1), 256);
        p.SetValue(entry, p.GetValue(entry) + 1);
        File.WriteAllBytes(output, p.ToArray());
        var r = await CliRunner.RunAsync("verify", output);
        AssertFails(r, output, "levels: level 1 is 301x210, expected 300x210");
    }

    [Theory]
    [InlineData("none")]
    [InlineData("jpeg")]
    public async Task Fails_against_a_source_that_differs(string compression)
    {
        var (_, output) = await ConvertAsync(compression);
        string other = _dir.File("other.btf");
        BtfSampleWriter.Write(other, Spec with { Seed = 6 });
        var r = await CliRunner.RunAsync("verify", output, "--source", other, "--json");
        AssertFails(r, output, "level0-vs-source");
        using var json = JsonDocument.Parse(r.StdOut);
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task Fails_against_a_source_of_another_size()
    {
        var (_, output) = await ConvertAsync("zstd");
        string other = _dir.File("other.btf");
        BtfSampleWriter.Write(other, Spec with { Width = 601 });
        var r = await CliRunner.RunAsync("verify", output, "--source", other);
        AssertFails(r, output, "source-dimensions: source is 601x420x3, level 0 is 600x420x3");
    }

    [Fact]
    public async Task Fails_against_a_source_with_one_changed_pixel_when_lossless()
    {
        var (source, output) = await ConvertAsync("deflate");
        // Change one pixel of the source in the bottom-right tile (always among the compared windows).
        var bytes = File.ReadAllBytes(source);
        long at = 507 + ((long)(Spec.Height - 1) * Spec.Width * 3) + ((Spec.Width - 1) * 3);
        bytes[at] ^= 0x40;
        File.WriteAllBytes(source, bytes);
        var r = await CliRunner.RunAsync("verify", output, "--source", source, "--samples", "1");
        AssertFails(r, output, "level0-vs-source: source pixels: window 88x164 at (512,256): 1 of");
    }

    [Fact]
    public async Task Not_a_tiff_fails_verification_and_a_missing_file_is_bad_input()
    {
        string junk = _dir.File("junk.tiff");
        File.WriteAllText(junk, "not a tiff at all");
        AssertFails(await CliRunner.RunAsync("verify", junk), junk, "structure: ");
        var r = await CliRunner.RunAsync("verify", _dir.File("missing.tiff"));
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
    }

    private static void AssertFails(CliRunner.Result r, string output, string fragment)
    {
        Assert.True(r.ExitCode == ExitCodes.VerificationFailed, $"exit {r.ExitCode}\n{r.StdOut}{r.StdErr}");
        var line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Contains($"{output}: verification failed: ", line, StringComparison.Ordinal);
        Assert.Contains(fragment, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);
    }
}
