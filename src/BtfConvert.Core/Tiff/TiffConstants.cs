namespace BtfConvert.Core.Tiff;

/// <summary>Values of the tags this converter reads and writes.</summary>
internal static class TiffConstants
{
    public const ushort LittleEndianMark = 0x4949; // "II"
    public const ushort BigEndianMark = 0x4D4D; // "MM"
    public const ushort ClassicVersion = 42;
    public const ushort BigTiffVersion = 43;

    public const ushort CompressionNone = 1;
    public const ushort CompressionLzw = 5;
    public const ushort CompressionOldJpeg = 6;
    public const ushort CompressionJpeg = 7;
    public const ushort CompressionAdobeDeflate = 8;
    public const ushort CompressionDeflate = 32946;
    public const ushort CompressionPackBits = 32773;
    public const ushort CompressionZstd = 50000;

    public const ushort PhotometricMinIsWhite = 0;
    public const ushort PhotometricMinIsBlack = 1;
    public const ushort PhotometricRgb = 2;
    public const ushort PhotometricPalette = 3;
    public const ushort PhotometricYCbCr = 6;

    public const ushort PlanarChunky = 1;
    public const ushort PlanarSeparate = 2;

    public const ushort PredictorNone = 1;
    public const ushort PredictorHorizontal = 2;

    public const ushort ResolutionUnitNone = 1;
    public const ushort ResolutionUnitInch = 2;
    public const ushort ResolutionUnitCentimeter = 3;

    public const uint SubfileReducedImage = 1;
}
