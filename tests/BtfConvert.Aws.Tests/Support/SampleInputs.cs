using BtfConvert.Samples;

namespace BtfConvert.Aws.Tests.Support;

/// <summary>Olympus-like BTF inputs from the sample generator (IFDs at the end, as the real scanner writes them).</summary>
public static class SampleInputs
{
    public static byte[] Btf(int width, int height, int seed = 11)
    {
        using var stream = new MemoryStream();
        BtfSampleWriter.Write(stream, new SampleSpec { Width = width, Height = height, Seed = seed });
        return stream.ToArray();
    }
}
