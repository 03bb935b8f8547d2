namespace BtfConvert.Core.Source;

/// <summary>A small extra image of the input (e.g. the Olympus 27×25 16-bit IFD), converted to 8 bits per sample.</summary>
/// <param name="SourceDirectoryIndex">Index of the IFD it came from.</param>
/// <param name="Pixels">Width × Height × SamplesPerPixel bytes, chunky.</param>
/// <param name="Description">What it was, for the output's ImageDescription.</param>
public sealed record AssociatedImage(
    int SourceDirectoryIndex, int Width, int Height, int SamplesPerPixel, byte[] Pixels, string Description)
{
    /// <summary>The name viewers list it under (large_image: the first word of the description); see <see cref="AssociatedImageNaming"/>.</summary>
    public string Name { get; init; } = string.Empty;
}
