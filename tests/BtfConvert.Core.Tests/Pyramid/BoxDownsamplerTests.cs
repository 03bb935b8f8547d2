using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Tests.Pyramid;

public sealed class BoxDownsamplerTests
{
    public static TheoryData<int> SamplesPerPixel => [1, 3];

    [Theory]
    [MemberData(nameof(SamplesPerPixel))]
    public void Vector_path_is_bit_exact_with_the_scalar_formula_on_random_rows(int spp)
    {
        var random = new Random(1234 + spp);
        for (int round = 0; round < 400; round++)
        {
            // Widths around the vector step sizes (16 and 32 source pixels) and odd widths (last column dropped).
            int width = round < 100 ? round + 1 : random.Next(1, 3000);
            byte[] row0 = new byte[width * spp];
            byte[] row1 = new byte[width * spp];
            random.NextBytes(row0);
            random.NextBytes(row1);
            if (round % 7 == 0)
            {
                // Extremes: every rounding carry at 255 must survive the 16-bit sums.
                row0.AsSpan().Fill(255);
                row1.AsSpan(0, row1.Length / 2).Fill(255);
            }

            int outBytes = width / 2 * spp;
            byte[] expected = new byte[outBytes];
            byte[] actual = new byte[outBytes];
            actual.AsSpan().Fill(0xAA);
            BoxDownsampler.DownsampleRowsScalar(row0, row1, expected, width, spp);
            BoxDownsampler.DownsampleRows(row0, row1, actual, width, spp);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"width {width}, spp {spp}, round {round}");

            // The same against the formula written out independently of the library.
            for (int x = 0; x < width / 2; x++)
            {
                for (int c = 0; c < spp; c++)
                {
                    int sum = row0[(2 * x * spp) + c] + row0[(((2 * x) + 1) * spp) + c] + row1[(2 * x * spp) + c] + row1[(((2 * x) + 1) * spp) + c];
                    Assert.Equal((byte)((sum + 2) / 4), actual[(x * spp) + c]);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SamplesPerPixel))]
    public void Vector_path_covers_whole_steps_and_leaves_the_rest_to_the_scalar_code(int spp)
    {
        int width = 1000;
        var row = new byte[width * spp];
        var dest = new byte[width / 2 * spp];
        int done = BoxDownsampler.DownsampleRowsVector128(row, row, dest, width, spp);
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
        {
            Assert.Equal(spp == 3 ? 496 : 496, done); // 500 outputs: 62 steps of 8, or 31 of 16
        }

        Assert.InRange(done, 0, width / 2);
    }

    [Fact]
    public void Rows_too_short_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => BoxDownsampler.DownsampleRows(new byte[10], new byte[12], new byte[6], 4, 3));
    }
}
