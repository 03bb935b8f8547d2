namespace BtfConvert.Core.Pyramid;

/// <summary>Exact 2×2 box average, rounded half up: (a+b+c+d+2)/4, as libvips computes it.</summary>
public static class BoxDownsampler
{
    public static void DownsampleRows(ReadOnlySpan<byte> row0, ReadOnlySpan<byte> row1, Span<byte> dest, int srcWidth, int samplesPerPixel) =>
        DownsampleRowsScalar(row0, row1, dest, srcWidth, samplesPerPixel);

    public static void DownsampleRowsScalar(ReadOnlySpan<byte> row0, ReadOnlySpan<byte> row1, Span<byte> dest, int srcWidth, int samplesPerPixel)
    {
        int outWidth = srcWidth / 2;
        int spp = samplesPerPixel;
        for (int x = 0; x < outWidth; x++)
        {
            int s = 2 * x * spp;
            for (int c = 0; c < spp; c++)
            {
                dest[(x * spp) + c] = (byte)((row0[s + c] + row0[s + spp + c] + row1[s + c] + row1[s + spp + c] + 2) >> 2);
            }
        }
    }
}
