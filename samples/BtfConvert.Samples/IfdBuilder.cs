using System.Buffers.Binary;

namespace BtfConvert.Samples;

/// <summary>
/// A minimal IFD serializer for the generator, in either byte order and either flavour. Deliberately separate from
/// BtfConvert.Core's writer, so tests never check the converter's TIFF code with itself.
/// </summary>
internal sealed class IfdBuilder(bool bigTiff, bool littleEndian)
{
    private readonly SortedDictionary<ushort, (ushort Type, long Count, byte[] Value)> _entries = [];

    public int EntrySize => bigTiff ? 20 : 12;
    public int InlineSize => bigTiff ? 8 : 4;

    public IfdBuilder Short(ushort tag, params ushort[] values) => Add(tag, 3, values.Length, values.SelectMany(Bytes16).ToArray());

    public IfdBuilder Long(ushort tag, params uint[] values) => Add(tag, 4, values.Length, values.SelectMany(Bytes32).ToArray());

    public IfdBuilder Rational(ushort tag, uint numerator, uint denominator) =>
        Add(tag, 5, 1, [.. Bytes32(numerator), .. Bytes32(denominator)]);

    public IfdBuilder Ascii(ushort tag, string text) => Add(tag, 2, text.Length + 1, [.. System.Text.Encoding.ASCII.GetBytes(text), 0]);

    public IfdBuilder Undefined(ushort tag, byte[] bytes) => Add(tag, 7, bytes.Length, bytes);

    /// <summary>File offsets: LONG8 in BigTIFF (as the scanner writes them), LONG in classic TIFF.</summary>
    public IfdBuilder Offsets(ushort tag, IReadOnlyList<long> values) => bigTiff
        ? Add(tag, 16, values.Count, values.SelectMany(v => Bytes64((ulong)v)).ToArray())
        : Add(tag, 4, values.Count, values.SelectMany(v => Bytes32(checked((uint)v))).ToArray());

    /// <summary>A pointer to a sub-IFD (EXIF): IFD8 in BigTIFF, LONG in classic.</summary>
    public IfdBuilder IfdPointer(ushort tag, long offset) => bigTiff
        ? Add(tag, 18, 1, Bytes64((ulong)offset))
        : Add(tag, 4, 1, Bytes32(checked((uint)offset)));

    /// <summary>A plain offset value (the Olympus SIS tag): LONG8 in BigTIFF, LONG in classic.</summary>
    public IfdBuilder OffsetValue(ushort tag, long offset) => Offsets(tag, [offset]);

    private IfdBuilder Add(ushort tag, ushort type, long count, byte[] value)
    {
        _entries[tag] = (type, count, value);
        return this;
    }

    /// <summary>Bytes of the IFD plus its out-of-line values, placed right after it at <paramref name="at"/>.</summary>
    public byte[] Build(long at, long next)
    {
        int tableLength = (bigTiff ? 8 : 2) + (_entries.Count * EntrySize) + (bigTiff ? 8 : 4);
        var values = new List<byte>();
        var table = new byte[tableLength];
        int pos = 0;
        if (bigTiff)
        {
            Write64(table, ref pos, (ulong)_entries.Count);
        }
        else
        {
            Write16(table, ref pos, (ushort)_entries.Count);
        }

        foreach (var (tag, (type, count, value)) in _entries)
        {
            Write16(table, ref pos, tag);
            Write16(table, ref pos, type);
            if (bigTiff)
            {
                Write64(table, ref pos, (ulong)count);
            }
            else
            {
                Write32(table, ref pos, (uint)count);
            }

            if (value.Length <= InlineSize)
            {
                value.CopyTo(table, pos);
                pos += InlineSize;
            }
            else
            {
                if (values.Count % 2 == 1)
                {
                    values.Add(0);
                }

                long valueAt = at + tableLength + values.Count;
                values.AddRange(value);
                if (bigTiff)
                {
                    Write64(table, ref pos, (ulong)valueAt);
                }
                else
                {
                    Write32(table, ref pos, checked((uint)valueAt));
                }
            }
        }

        if (bigTiff)
        {
            Write64(table, ref pos, (ulong)next);
        }
        else
        {
            Write32(table, ref pos, checked((uint)next));
        }

        return [.. table, .. values];
    }

    private byte[] Bytes16(ushort v)
    {
        var b = new byte[2];
        if (littleEndian) { BinaryPrimitives.WriteUInt16LittleEndian(b, v); } else { BinaryPrimitives.WriteUInt16BigEndian(b, v); }
        return b;
    }

    private byte[] Bytes32(uint v)
    {
        var b = new byte[4];
        if (littleEndian) { BinaryPrimitives.WriteUInt32LittleEndian(b, v); } else { BinaryPrimitives.WriteUInt32BigEndian(b, v); }
        return b;
    }

    private byte[] Bytes64(ulong v)
    {
        var b = new byte[8];
        if (littleEndian) { BinaryPrimitives.WriteUInt64LittleEndian(b, v); } else { BinaryPrimitives.WriteUInt64BigEndian(b, v); }
        return b;
    }

    private void Write16(byte[] b, ref int pos, ushort v) { Bytes16(v).CopyTo(b, pos); pos += 2; }

    private void Write32(byte[] b, ref int pos, uint v) { Bytes32(v).CopyTo(b, pos); pos += 4; }

    private void Write64(byte[] b, ref int pos, ulong v) { Bytes64(v).CopyTo(b, pos); pos += 8; }
}
