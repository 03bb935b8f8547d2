namespace BtfConvert.Core.Verification;

/// <summary>What <see cref="OutputVerifier"/> found. <see cref="Passed"/> only when every check passed.</summary>
public sealed record VerificationReport(
    string Output,
    string? Source,
    IReadOnlyList<VerificationCheck> Checks,
    IReadOnlyList<VerifiedLevel> Levels,
    long TilesDecoded,
    int WindowsCompared,
    double? LowestPsnr)
{
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);

    /// <summary>The first failed check, for the one-line error.</summary>
    public VerificationCheck? FirstFailure => Checks.FirstOrDefault(c => !c.Passed);
}

/// <param name="Name">structure, levels, tile-layout, tile-decode, source-dimensions, level0-vs-source, level1-vs-source.</param>
public sealed record VerificationCheck(string Name, bool Passed, string Detail);

public sealed record VerifiedLevel(int Index, int Width, int Height, int TileWidth, int TileHeight, int Tiles, ulong Compression);

/// <param name="Samples">Random windows of level 0 (and as many of level 1) compared with the source.</param>
/// <param name="MinPsnr">Lowest acceptable PSNR (dB) of a JPEG window against the source.</param>
/// <param name="Seed">Seed of the window choice (the same seed picks the same windows).</param>
/// <param name="Threads">Tile-decoding workers (0 = one per core).</param>
public sealed record VerifyOptions(int Samples = 8, double MinPsnr = 30, int Seed = 1, int Threads = 0);
