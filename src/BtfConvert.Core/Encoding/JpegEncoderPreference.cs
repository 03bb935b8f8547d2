namespace BtfConvert.Core.Encoding;

/// <summary>Which JPEG encoder to use.</summary>
public enum JpegEncoderPreference
{
    /// <summary>libjpeg-turbo when it loads, else ImageSharp; BTFCONVERT_JPEG_ENCODER=managed forces ImageSharp.</summary>
    Auto,

    /// <summary>ImageSharp 2.1, whatever is installed.</summary>
    Managed,

    /// <summary>libjpeg-turbo; fails when the library is missing.</summary>
    Native,
}
