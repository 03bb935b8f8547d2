namespace BtfConvert.Core.Tiff;

/// <summary>TIFF field types (TIFF 6.0 plus the BigTIFF 8-byte types).</summary>
public enum TiffFieldType : ushort
{
    Byte = 1,
    Ascii = 2,
    Short = 3,
    Long = 4,
    Rational = 5,
    SByte = 6,
    Undefined = 7,
    SShort = 8,
    SLong = 9,
    SRational = 10,
    Float = 11,
    Double = 12,
    Ifd = 13,
    Long8 = 16,
    SLong8 = 17,
    Ifd8 = 18,
}

internal static class TiffFieldTypeExtensions
{
    /// <summary>Bytes per value, or 0 for a type this reader does not know.</summary>
    public static int ElementSize(this TiffFieldType type) => type switch
    {
        TiffFieldType.Byte or TiffFieldType.Ascii or TiffFieldType.SByte or TiffFieldType.Undefined => 1,
        TiffFieldType.Short or TiffFieldType.SShort => 2,
        TiffFieldType.Long or TiffFieldType.SLong or TiffFieldType.Float or TiffFieldType.Ifd => 4,
        TiffFieldType.Rational or TiffFieldType.SRational or TiffFieldType.Double => 8,
        TiffFieldType.Long8 or TiffFieldType.SLong8 or TiffFieldType.Ifd8 => 8,
        _ => 0,
    };

    /// <summary>Size of the unit that must be byte-swapped as a whole (a RATIONAL is two LONGs).</summary>
    public static int SwapUnitSize(this TiffFieldType type) => type switch
    {
        TiffFieldType.Rational or TiffFieldType.SRational => 4,
        _ => type.ElementSize(),
    };
}
