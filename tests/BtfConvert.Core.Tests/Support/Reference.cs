namespace BtfConvert.Core.Tests.Support;

/// <summary>Independent, obviously-correct reference computations for checking outputs.</summary>
public static class Reference
{
    /// <summary>Exact 2×2 box average rounded half up, floor-halved dimensions.</summary>
    public static byte[] Shrink(byte[] pixels, int width, int height, int spp, out int newWidth, out int newHeight)
    {
        newWidth = width / 2;
        newHeight = height / 2;
        var result = new byte[newWidth * newHeight * spp];
        for (int y = 0; y < newHeight; y++)
        {
            for (int x = 0; x < newWidth; x++)
            {
                for (int c = 0; c < spp; c++)
                {
                    int a = pixels[((((2 * y) * width) + (2 * x)) * spp) + c];
                    int b = pixels[((((2 * y) * width) + (2 * x) + 1) * spp) + c];
                    int d = pixels[(((((2 * y) + 1) * width) + (2 * x)) * spp) + c];
                    int e = pixels[(((((2 * y) + 1) * width) + (2 * x) + 1) * spp) + c];
                    result[(((y * newWidth) + x) * spp) + c] = (byte)((a + b + d + e + 2) / 4);
                }
            }
        }

        return result;
    }

    /// <summary>Peak signal-to-noise ratio in dB (infinity when equal).</summary>
    public static double Psnr(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double sum = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = expected[i] - actual[i];
            sum += d * d;
        }

        double mse = sum / expected.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
