namespace BtfConvert.Core.Encoding;

/// <summary>Makes encoders for one output and says how their output must be tagged in the TIFF.</summary>
public interface ITileEncoderFactory
{
    /// <summary>Human-readable name, e.g. "jpeg (libjpeg-turbo 2.1)", shown by --version and info.</summary>
    string Name { get; }

    TileFormat Format { get; }

    /// <summary>TIFF Compression tag value (1 none, 5 LZW, 7 JPEG, 8 Adobe deflate, 50000 zstd).</summary>
    ushort CompressionTag { get; }

    /// <summary>TIFF Photometric tag value for the stored data (JPEG of RGB is YCbCr = 6).</summary>
    ushort Photometric { get; }

    /// <summary>TIFF Predictor tag value (1 none, 2 horizontal differencing), or null to omit the tag.</summary>
    ushort? Predictor { get; }

    /// <summary>YCbCrSubSampling (horizontal, vertical) for YCbCr JPEG, else null.</summary>
    (ushort Horizontal, ushort Vertical)? YCbCrSubsampling { get; }

    /// <summary>TIFF JPEGTables (347): tables shared by every tile of a level, or null to omit the tag.</summary>
    byte[]? JpegTables { get; }

    ITileEncoder Create();
}
