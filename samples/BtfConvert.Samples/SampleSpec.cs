namespace BtfConvert.Samples;

/// <summary>Order in which the strips are laid out on disk (the image is the same whatever the order).</summary>
public enum StripOrder
{
    InOrder,
    Reverse,
    Shuffled,
}

/// <summary>What a generated sample looks like. The defaults give an Olympus VS120-like BigTIFF.</summary>
public sealed record SampleSpec
{
    public int Width { get; init; } = 2048;
    public int Height { get; init; } = 1536;
    public int Seed { get; init; } = 7;
    public int RowsPerStrip { get; init; } = 64;

    /// <summary>3 for RGB, 1 for 8-bit grayscale (MinIsBlack).</summary>
    public int SamplesPerPixel { get; init; } = 3;

    public bool BigTiff { get; init; } = true;
    public bool LittleEndian { get; init; } = true;
    public StripOrder StripOrder { get; init; } = StripOrder.InOrder;

    /// <summary>Olympus extras: Make/Model/Artist/DateTime, EXIF IFD, SIS block, and the 27×25 16-bit second IFD.</summary>
    public bool Olympus { get; init; } = true;

    /// <summary>Pixel size written into the SIS calibration, in micrometres.</summary>
    public double MicronsPerPixel { get; init; } = 0.3448;

    /// <summary>
    /// Byte count of the last strip as the real scanner writes it: a full RowsPerStrip strip even when fewer rows
    /// remain (the file holds the padding).
    /// </summary>
    public bool FullLastStrip { get; init; } = true;

    /// <summary>Where the first strip starts (the real file: 507).</summary>
    public int FirstStripOffset { get; init; } = 507;
}
