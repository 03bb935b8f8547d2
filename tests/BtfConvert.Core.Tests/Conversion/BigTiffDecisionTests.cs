using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Tests.Conversion;

/// <summary>Auto mode writes classic TIFF only when even the worst case fits in 4 GiB.</summary>
public sealed class BigTiffDecisionTests
{
    [Theory]
    [InlineData(JpegEncoderPreference.Managed)]
    [InlineData(JpegEncoderPreference.Auto)]
    public void A_grayscale_jpeg_whose_tiles_may_outgrow_the_raw_pixels_is_bounded_by_the_encoder(JpegEncoderPreference preference)
    {
        // 45000² gray: 2.7 GB of raw tiles over the pyramid. Noisy content at q100 encodes larger than raw
        // (libjpeg: 1.56× for a 256² noise tile), so "raw + a little" would wrongly choose classic TIFF.
        var plan = PyramidPlan.Create(45000, 45000, 256, 256);
        var format = new TileFormat(256, 256, 1);
        var encoder = TileEncoderFactories.Create(TileCompression.Jpeg, format, 100, preference);
        long raw = plan.TotalTiles * (long)format.ByteCount;
        Assert.True(raw + (plan.TotalTiles * 1024L) < ConversionPlan.ClassicTiffLimit, "the case must be one the old estimate got wrong");
        long worst = ConversionPlan.EstimateWorstCaseBytes(plan, encoder, headLength: 1 << 20);
        Assert.True(worst >= ConversionPlan.ClassicTiffLimit, $"worst case {worst} bytes would allow classic TIFF");
    }

    [Fact]
    public void Small_outputs_stay_classic()
    {
        var plan = PyramidPlan.Create(8192, 6144, 256, 256);
        var encoder = TileEncoderFactories.Create(TileCompression.Jpeg, new TileFormat(256, 256, 3), 90);
        Assert.True(ConversionPlan.EstimateWorstCaseBytes(plan, encoder, headLength: 1 << 20) < ConversionPlan.ClassicTiffLimit);
    }
}
