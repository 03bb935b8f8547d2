using BtfConvert.Core.Source.Decoding;


namespace BtfConvert.Core.Tests.Source;

/// <summary>The pure pixel conversion: each rule of the documented mapping, on hand-made rows.</summary>
public class PixelConverterTests
{
    private static PixelFormat Format(ColorModel model, int bits, int spp, int? max = null, byte[]? palette = null,
        (int H, int V) sub = default, bool planar = false) =>
        new(model, bits, spp, planar, max ?? ((1 << bits) - 1), palette, Math.Max(1, sub.H), Math.Max(1, sub.V),
            model == ColorModel.YCbCr ? YCbCrTransform.Default : null);

    private static byte[] Convert(PixelFormat format, int width, byte[] row, int rows = 1)
    {
        var converter = new PixelConverter(format, width);
        var output = new byte[converter.OutputRowBytes * rows];
        converter.Convert(row, rows, output);
        return output;
    }

    private static byte[] Words(params ushort[] values) => [.. values.SelectMany(BitConverter.GetBytes)];

    [Fact]
    public void Sixteen_bit_scales_linearly_from_0_to_the_max_sample_value_rounded()
    {
        // v·255/65535 rounded: k·257 gives k exactly; 65280 (255·256, what a >> 8 would call 255) is 254.
        Assert.Equal([0, 1, 128, 254, 255], Convert(Format(ColorModel.MinIsBlack, 16, 1), 5, Words(0, 257, 32896, 65280, 65535)));
        // 12-bit data with MaxSampleValue 4095: 4095 is white; larger values clamp.
        Assert.Equal([0, 128, 255, 255], Convert(Format(ColorModel.MinIsBlack, 16, 1, max: 4095), 4, Words(0, 2056, 4095, 9000)));
    }

    [Fact]
    public void Min_is_white_is_inverted_and_low_bit_depths_span_the_full_range()
    {
        Assert.Equal([255, 0, 155], Convert(Format(ColorModel.MinIsWhite, 8, 1), 3, [0, 255, 100]));
        // 1-bit MinIsBlack: 1 = white (255); MinIsWhite: 1 = black (0). Bits are read from the most significant.
        Assert.Equal([255, 0, 255, 0, 0, 0, 0, 0, 255], Convert(Format(ColorModel.MinIsBlack, 1, 1), 9, [0b1010_0000, 0b1000_0000]));
        Assert.Equal([0, 255, 0], Convert(Format(ColorModel.MinIsWhite, 1, 1), 3, [0b1010_0000]));
        // 4-bit: 0..15 onto 0..255 (× 17).
        Assert.Equal([0, 17, 255], Convert(Format(ColorModel.MinIsBlack, 4, 1), 3, [0x01, 0xF0]));
    }

    [Fact]
    public void Palette_indices_become_their_colours()
    {
        byte[] palette = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
        Assert.Equal([40, 50, 60, 100, 110, 120, 10, 20, 30], Convert(Format(ColorModel.Palette, 2, 1, palette: palette), 3, [0b01_11_00_00]));
    }

    [Fact]
    public void Alpha_and_extra_samples_are_dropped()
    {
        Assert.Equal([1, 2, 3, 5, 6, 7], Convert(Format(ColorModel.Rgb, 8, 4), 2, [1, 2, 3, 4, 5, 6, 7, 8]));
        Assert.Equal([9, 7], Convert(Format(ColorModel.MinIsBlack, 8, 2), 2, [9, 200, 7, 100]));
        Assert.Equal([0, 255, 1, 255, 0, 0], Convert(Format(ColorModel.Rgb, 16, 4), 2, Words(0, 65535, 257, 1234, 65535, 0, 0, 9)));
    }

    [Fact]
    public void YCbCr_becomes_rgb_and_subsampled_chroma_covers_its_block()
    {
        // Neutral chroma (128): grey levels stay grey. Pure red in BT.601 full range: Y 76, Cb 85, Cr 255.
        Assert.Equal([200, 200, 200], Convert(Format(ColorModel.YCbCr, 8, 3), 1, [200, 128, 128]));
        var red = Convert(Format(ColorModel.YCbCr, 8, 3), 1, [76, 85, 255]);
        Assert.InRange(red[0], 252, 255);
        Assert.InRange(red[1], 0, 2);
        Assert.InRange(red[2], 0, 2);
        // A 2x2 block: four lumas, one Cb/Cr; width 3 leaves the second block half outside the image.
        byte[] blocks = [10, 20, 30, 40, 128, 128, 50, 60, 70, 80, 128, 128];
        var rows = Convert(Format(ColorModel.YCbCr, 8, 3, sub: (2, 2)), 3, blocks, rows: 2);
        Assert.Equal([10, 10, 10, 20, 20, 20, 50, 50, 50, 30, 30, 30, 40, 40, 40, 70, 70, 70], rows);
    }

    [Fact]
    public void Planes_interleave_into_chunky_rows()
    {
        byte[][] planes = [[0, 1, 2, 3], [0, 11, 12, 13], [0, 21, 22, 23]];
        var chunky = new byte[9];
        PixelConverter.InterleaveRow(planes, 1, 3, 1, chunky);
        Assert.Equal([1, 11, 21, 2, 12, 22, 3, 13, 23], chunky);
        byte[][] wide = [[1, 2, 3, 4], [5, 6, 7, 8]];
        var chunky16 = new byte[8];
        PixelConverter.InterleaveRow(wide, 0, 2, 2, chunky16);
        Assert.Equal([1, 2, 5, 6, 3, 4, 7, 8], chunky16);
    }

    [Fact]
    public void Plain_8_bit_rows_are_copied_as_they_are()
    {
        var format = Format(ColorModel.Rgb, 8, 3);
        Assert.True(format.IsPlain8Bit);
        Assert.Equal([1, 2, 3, 4, 5, 6], Convert(format, 2, [1, 2, 3, 4, 5, 6]));
    }
}
