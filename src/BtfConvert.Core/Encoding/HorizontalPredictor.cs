namespace BtfConvert.Core.Encoding;

/// <summary>TIFF Predictor=2 for 8-bit samples: each sample minus the same sample of the pixel to its left.</summary>
internal static class HorizontalPredictor
{
    public static void Apply(ReadOnlySpan<byte> source, Span<byte> destination, TileFormat format)
    {
        int rowBytes = format.RowBytes, spp = format.SamplesPerPixel;
        for (int y = 0; y < format.Height; y++)
        {
            var src = source.Slice(y * rowBytes, rowBytes);
            var dst = destination.Slice(y * rowBytes, rowBytes);
            src[..spp].CopyTo(dst);
            for (int i = spp; i < rowBytes; i++)
            {
                dst[i] = (byte)(src[i] - src[i - spp]);
            }
        }
    }

    public static void Undo(Span<byte> data, int width, int height, int samplesPerPixel)
    {
        int rowBytes = width * samplesPerPixel;
        for (int y = 0; y < height; y++)
        {
            var row = data.Slice(y * rowBytes, rowBytes);
            for (int i = samplesPerPixel; i < rowBytes; i++)
            {
                row[i] = (byte)(row[i] + row[i - samplesPerPixel]);
            }
        }
    }
}
