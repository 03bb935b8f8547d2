namespace BtfConvert.Core.Tiff;

/// <summary>One parsed image file directory: its position, its fields by tag, and where the next one is.</summary>
public sealed class TiffDirectory(long offset, IReadOnlyDictionary<ushort, TiffField> fields, ulong nextOffset)
{
    public long Offset { get; } = offset;
    public IReadOnlyDictionary<ushort, TiffField> Fields { get; } = fields;
    public ulong NextOffset { get; } = nextOffset;

    /// <summary>The EXIF sub-IFD, if the directory has one that could be read.</summary>
    public TiffDirectory? Exif { get; init; }

    public TiffField? this[ushort tag] => Fields.GetValueOrDefault(tag);

    public ulong? GetUInt64(ushort tag) => Fields.TryGetValue(tag, out var f) && f.Count > 0 && f.IsInteger
        ? f.GetUInt64()
        : null;

    public string? GetString(ushort tag) => Fields.TryGetValue(tag, out var f) && f.Type == TiffFieldType.Ascii
        ? f.GetString()
        : null;

    public long Width => (long)(GetUInt64(TiffTag.ImageWidth) ?? 0);
    public long Height => (long)(GetUInt64(TiffTag.ImageLength) ?? 0);
}
