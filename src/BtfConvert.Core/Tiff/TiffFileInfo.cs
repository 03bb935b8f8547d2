namespace BtfConvert.Core.Tiff;

/// <summary>Everything read from a TIFF's header and IFD chain.</summary>
public sealed record TiffFileInfo(string Name, long Length, TiffHeader Header, IReadOnlyList<TiffDirectory> Directories);
