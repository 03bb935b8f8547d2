using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Source.Decoding;

/// <summary>
/// YCbCr → RGB for 8-bit samples as libtiff's TIFFYCbCrToRGB does it: YCbCrCoefficients (default ITU-R BT.601:
/// 0.299, 0.587, 0.114) and ReferenceBlackWhite (default 0/255, 128/255, 128/255), precomputed into one table per term.
/// </summary>
internal sealed class YCbCrTransform
{
    private readonly float[] _y = new float[256];
    private readonly float[] _crToR = new float[256];
    private readonly float[] _crToG = new float[256];
    private readonly float[] _cbToG = new float[256];
    private readonly float[] _cbToB = new float[256];

    public YCbCrTransform(double lumaR, double lumaG, double lumaB, ReadOnlySpan<double> referenceBlackWhite)
    {
        double d1 = 2 - (2 * lumaR), d2 = d1 * lumaR / lumaG, d3 = 2 - (2 * lumaB), d4 = d3 * lumaB / lumaG;
        for (int i = 0; i < 256; i++)
        {
            _y[i] = (float)Code(i, referenceBlackWhite[0], referenceBlackWhite[1], 255);
            double cb = Code(i, referenceBlackWhite[2], referenceBlackWhite[3], 127);
            double cr = Code(i, referenceBlackWhite[4], referenceBlackWhite[5], 127);
            _crToR[i] = (float)(d1 * cr);
            _crToG[i] = (float)(-d2 * cr);
            _cbToG[i] = (float)(-d4 * cb);
            _cbToB[i] = (float)(d3 * cb);
        }
    }

    public static YCbCrTransform Default { get; } = new(0.299, 0.587, 0.114, [0, 255, 128, 255, 128, 255]);

    public static YCbCrTransform FromDirectory(TiffDirectory dir)
    {
        var coefficients = dir[TiffTag.YCbCrCoefficients];
        var reference = dir[TiffTag.ReferenceBlackWhite];
        double r = 0.299, g = 0.587, b = 0.114;
        if (coefficients is { Count: 3 })
        {
            (r, g, b) = (coefficients.GetRational(0), coefficients.GetRational(1), coefficients.GetRational(2));
        }

        double[] rbw = [0, 255, 128, 255, 128, 255];
        if (reference is { Count: 6 })
        {
            for (int i = 0; i < 6; i++)
            {
                rbw[i] = reference.GetRational(i);
            }
        }

        bool sane = r is > 0 and < 1 && g is > 0 and < 1 && b is > 0 and < 1 && rbw.All(double.IsFinite);
        return sane ? new YCbCrTransform(r, g, b, rbw) : Default;
    }

    public void ToRgb(byte y, byte cb, byte cr, Span<byte> rgb)
    {
        float luma = _y[y];
        rgb[0] = Clamp(luma + _crToR[cr]);
        rgb[1] = Clamp(luma + _crToG[cr] + _cbToG[cb]);
        rgb[2] = Clamp(luma + _cbToB[cb]);
    }

    private static double Code(int c, double black, double white, double range) =>
        (c - black) * range / (white - black == 0 ? 1 : white - black);

    private static byte Clamp(float v) => (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
}
