namespace BtfConvert.Core.Tiff;

/// <summary>Everything read from a TIFF's header and IFD chain.</summary>
public sealed record TiffFileInfo(string Name, long Length, TiffHeader Header, IReadOnlyList<TiffDirectory> Directories)
{
    /// <summary>Damage the walk stepped over: tags the conversion does not need, a broken chain after IFD0.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
