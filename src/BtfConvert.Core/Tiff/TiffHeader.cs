using System.Buffers.Binary;

namespace BtfConvert.Core.Tiff;

/// <summary>The 8-byte (classic) or 16-byte (BigTIFF) file header.</summary>
public readonly record struct TiffHeader(bool LittleEndian, bool IsBigTiff, ulong FirstIfdOffset)
{
    /// <summary>Bytes needed to parse any header.</summary>
    public const int MaxLength = 16;

    public int Length => IsBigTiff ? 16 : 8;

    /// <summary>Size of an IFD entry: 12 bytes classic, 20 bytes BigTIFF.</summary>
    public int EntrySize => IsBigTiff ? 20 : 12;

    /// <summary>Size of the entry-count field that opens an IFD.</summary>
    public int EntryCountSize => IsBigTiff ? 8 : 2;

    /// <summary>Size of an offset (and of the inline value area of an entry).</summary>
    public int OffsetSize => IsBigTiff ? 8 : 4;

    /// <summary>Parses a header; <paramref name="bytes"/> may be shorter than 16 only for a truncated file.</summary>
    /// <exception cref="InvalidDataException">Not a TIFF, or a damaged header.</exception>
    public static TiffHeader Parse(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 8)
        {
            throw new InvalidDataException(bytes.Length == 0
                ? $"{name}: file is empty"
                : $"{name}: not a TIFF file (only {bytes.Length} bytes)");
        }

        bool little = BinaryPrimitives.ReadUInt16LittleEndian(bytes) switch
        {
            TiffConstants.LittleEndianMark => true,
            TiffConstants.BigEndianMark => false,
            _ => throw new InvalidDataException($"{name}: not a TIFF file (no II/MM byte-order mark)"),
        };
        var reader = new EndianReader(little);
        ushort version = reader.UInt16(bytes[2..]);
        if (version == TiffConstants.ClassicVersion)
        {
            return new TiffHeader(little, false, reader.UInt32(bytes[4..]));
        }

        if (version != TiffConstants.BigTiffVersion)
        {
            throw new InvalidDataException($"{name}: not a TIFF file (version {version}, expected 42 or 43)");
        }

        if (bytes.Length < 16)
        {
            throw new InvalidDataException($"{name}: truncated BigTIFF header");
        }

        ushort offsetSize = reader.UInt16(bytes[4..]);
        ushort reserved = reader.UInt16(bytes[6..]);
        if (offsetSize != 8 || reserved != 0)
        {
            throw new InvalidDataException($"{name}: damaged BigTIFF header (offset size {offsetSize}, expected 8)");
        }

        return new TiffHeader(little, true, reader.UInt64(bytes[8..]));
    }
}
