using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Core.Tests.Support;
using BtfConvert.Core.Tiff;
using BtfConvert.Core.Verification;
using BtfConvert.Samples;
using BtfConvert.Samples.Malformed;

namespace BtfConvert.Core.Tests.Conversion;

/// <summary>
/// Orientation 2–4 inputs come out upright (read by LibTiff.NET, compared with the pattern turned by hand), in any
/// strip order and with reads small enough to split strips; 5–8 are refused unless converted as stored; verify
/// compares with the upright image.
/// </summary>
public sealed class OrientationTests : IDisposable
{
    private const int Width = 150, Height = 101, Spp = 3;
    private static readonly ConversionOptions Lossless = new() { Compression = TileCompression.None, TileSize = 64, ReadSize = Width * Spp * 5 };
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private (string Input, byte[] Stored) Input(int orientation, StripOrder order = StripOrder.InOrder)
    {
        var spec = new SampleSpec { Width = Width, Height = Height, RowsPerStrip = 7, Seed = 9, StripOrder = order };
        string input = _dir.File($"o{orientation}-{order}.btf");
        BtfSampleWriter.Write(input, spec);
        var patcher = new TiffPatcher(File.ReadAllBytes(input));
        patcher.SetValue(patcher.Entry(patcher.Ifd(0), TiffTag.Orientation), (ulong)orientation);
        File.WriteAllBytes(input, patcher.ToArray());
        return (input, new TissuePattern(spec.Seed, Width, Height, Spp).Render());
    }

    private static byte[] Upright(byte[] stored, int orientation)
    {
        var upright = new byte[stored.Length];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int sy = orientation is 3 or 4 ? Height - 1 - y : y;
                int sx = orientation is 2 or 3 ? Width - 1 - x : x;
                Array.Copy(stored, ((sy * Width) + sx) * Spp, upright, ((y * Width) + x) * Spp, Spp);
            }
        }

        return upright;
    }

    [Theory]
    [InlineData(2, StripOrder.InOrder)]
    [InlineData(3, StripOrder.InOrder)]
    [InlineData(3, StripOrder.Shuffled)]
    [InlineData(4, StripOrder.Reverse)]
    [InlineData(4, StripOrder.Shuffled)]
    [InlineData(1, StripOrder.Shuffled)]
    public async Task Flips_and_half_turns_come_out_upright(int orientation, StripOrder order)
    {
        var (input, stored) = Input(orientation, order);
        string output = _dir.File($"o{orientation}-{order}.tiff");
        await SampleConversion.ConvertFileAsync(input, output, Lossless);
        var level0 = LibTiffReader.ReadAll(output)[0];
        Assert.Equal((Width, Height), (level0.Width, level0.Height));
        Assert.True(Upright(stored, orientation).AsSpan().SequenceEqual(level0.Pixels), $"orientation {orientation}: level 0 is not the upright image");
    }

    /// <summary>
    /// A compressed input is decoded front to back, so a half turn (3) or vertical flip (4) cannot be turned upright
    /// while streaming: refused, naming the orientation and the option, with no output; with the option it converts
    /// as stored.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Half_turns_of_decoded_inputs_are_refused_naming_the_option_and_convert_as_stored_with_it(int orientation)
    {
        string input = _dir.File($"lzw-o{orientation}.tif");
        LzwTiffWriter.Write(input, 120, 90, 16, tile: null, orientation: orientation);
        string output = _dir.File($"lzw-o{orientation}.tiff");

        var refused = await Assert.ThrowsAsync<NotSupportedException>(() => SampleConversion.ConvertFileAsync(input, output, Lossless));
        Assert.Contains($"orientation {orientation}", refused.Message);
        Assert.Contains("decoded", refused.Message);
        Assert.Contains(ImageOrientation.AsStoredOption, refused.Message);
        Assert.False(File.Exists(output));

        await SampleConversion.ConvertFileAsync(input, output, Lossless with { IgnoreOrientation = true });
        var stored = LibTiffReader.ReadAll(input)[0];
        var level0 = LibTiffReader.ReadAll(output)[0];
        Assert.Equal((stored.Width, stored.Height), (level0.Width, level0.Height));
        Assert.True(stored.Pixels.AsSpan().SequenceEqual(level0.Pixels), "with the option, level 0 is the image as stored");
    }

    [Fact]
    public async Task Bottom_up_plan_reads_every_row_once_in_reverse_with_coalesced_runs()
    {
        var (input, _) = Input(4, StripOrder.Reverse);
        await using var source = LocalFileSource.Open(input);
        var image = (await SourceInspector.InspectAsync(source, default)).Main;
        var runs = StripReader.PlanReads(image, Width * Spp * 5, bottomUp: true).ToList();
        var rows = runs.SelectMany(r => Enumerable.Range(r.FirstRow, r.RowCount).Reverse()).ToList();
        Assert.Equal(Enumerable.Range(0, Height).Reverse(), rows);
        Assert.All(runs, r => Assert.True(r.Reversed && r.RowCount <= 5));
        Assert.Contains(runs, r => r.RowCount == 5);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Transposed_orientations_are_refused_naming_the_orientation_and_the_option(int orientation)
    {
        var (input, _) = Input(orientation);
        string output = _dir.File("t.tiff");
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => SampleConversion.ConvertFileAsync(input, output, Lossless));
        Assert.StartsWith($"{input}: orientation {orientation} (", e.Message, StringComparison.Ordinal);
        Assert.Contains("--ignore-orientation", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Ignore_orientation_converts_as_stored()
    {
        var (input, stored) = Input(6);
        string output = _dir.File("stored.tiff");
        await SampleConversion.ConvertFileAsync(input, output, Lossless with { IgnoreOrientation = true });
        Assert.True(stored.AsSpan().SequenceEqual(LibTiffReader.ReadAll(output)[0].Pixels));
    }

    [Fact]
    public async Task Verify_compares_with_the_upright_source()
    {
        var (input, _) = Input(3);
        string output = _dir.File("v.tiff");
        await SampleConversion.ConvertFileAsync(input, output, Lossless);
        Assert.True((await VerifyAsync(output, input)).Passed);

        // The same output against the source read as stored must fail: verify really turns the source.
        var patcher = new TiffPatcher(File.ReadAllBytes(input));
        patcher.SetValue(patcher.Entry(patcher.Ifd(0), TiffTag.Orientation), 1);
        File.WriteAllBytes(input, patcher.ToArray());
        Assert.False((await VerifyAsync(output, input)).Passed);
    }

    private static async Task<VerificationReport> VerifyAsync(string output, string input)
    {
        await using var outputSource = LocalFileSource.Open(output);
        await using var source = LocalFileSource.Open(input);
        return await OutputVerifier.VerifyAsync(outputSource, source, new VerifyOptions(Samples: 20), default);
    }
}
