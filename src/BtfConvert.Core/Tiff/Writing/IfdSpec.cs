namespace BtfConvert.Core.Tiff.Writing;

/// <summary>A directory to be written: its entries (any order; sorted on write) and an optional EXIF sub-IFD.</summary>
internal sealed class IfdSpec
{
    private readonly SortedDictionary<ushort, TiffValue> _entries = [];

    public IReadOnlyDictionary<ushort, TiffValue> Entries => _entries;

    /// <summary>Sets (or replaces) a tag's value.</summary>
    public IfdSpec Set(ushort tag, TiffValue value)
    {
        _entries[tag] = value;
        return this;
    }

    public IfdSpec SetExif(IfdSpec exif)
    {
        Exif = exif;
        return Set(TiffTag.ExifIfd, TiffValue.PointerTo(exif, isIfd: true));
    }

    public IfdSpec? Exif { get; private set; }
}
