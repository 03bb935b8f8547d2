using BtfConvert.Core.Encoding;
using BtfConvert.Core.Encoding.TurboJpeg;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Encoding;

/// <summary>
/// libjpeg-turbo encodes whole tiles in place in their band (a row pitch); the bytes must be exactly those of the
/// same tile cut out and packed, with and without the shared tables, or the output would change with the band width.
/// </summary>
public class StridedJpegTests
{
    [SkippableTheory]
    [InlineData(3, true)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    public void A_tile_encoded_in_its_band_equals_the_tile_cut_out(int spp, bool shareTables)
    {
        Skip.IfNot(TurboJpegLibrary.IsAvailable, "libturbojpeg.so.0 is not installed");
        var format = new TileFormat(64, 48, spp);
        const int bandWidth = 200, x0 = 72;
        byte[] band = new TissuePattern(7, bandWidth, format.Height, spp).Render();
        int pitch = bandWidth * spp;
        byte[] packed = new byte[format.ByteCount];
        for (int y = 0; y < format.Height; y++)
        {
            band.AsSpan((y * pitch) + (x0 * spp), format.RowBytes).CopyTo(packed.AsSpan(y * format.RowBytes));
        }

        using var encoder = new TurboJpegTileEncoder.Factory(format, 90, shareTables).Create();
        var strided = Assert.IsAssignableFrom<IStridedTileEncoder>(encoder);
        byte[] fromPacked = new byte[encoder.MaxEncodedLength], fromBand = new byte[encoder.MaxEncodedLength];
        int packedLength = encoder.Encode(packed, fromPacked);
        int bandLength = strided.Encode(band.AsSpan(x0 * spp), pitch, fromBand);
        Assert.Equal(fromPacked.AsSpan(0, packedLength).ToArray(), fromBand.AsSpan(0, bandLength).ToArray());
    }
}
