using System.Buffers.Binary;

namespace BtfConvert.Samples.Malformed;

/// <summary>
/// Raw byte surgery on a (valid) TIFF to damage it in one precise way. Knows only the container layout (header, IFD
/// entry tables, inline vs. out-of-line values), deliberately not BtfConvert.Core's parser, so the damage is made
/// by code that does not share the converter's assumptions.
/// </summary>
public sealed class TiffPatcher
{
    private byte[] _bytes;

    public TiffPatcher(byte[] bytes)
    {
        _bytes = bytes;
        if (bytes.Length < 8 || (bytes[0] != bytes[1]) || bytes[0] is not ((byte)'I' or (byte)'M'))
        {
            throw new ArgumentException("not a TIFF", nameof(bytes));
        }

        LittleEndian = bytes[0] == (byte)'I';
        BigTiff = U16(2) == 43;
    }

    public bool LittleEndian { get; }
    public bool BigTiff { get; }
    public int Length => _bytes.Length;
    public byte[] ToArray() => (byte[])_bytes.Clone();

    private int EntrySize => BigTiff ? 20 : 12;
    private int CountSize => BigTiff ? 8 : 2;
    private int OffsetSize => BigTiff ? 8 : 4;

    public ulong FirstIfd
    {
        get => BigTiff ? U64(8) : U32(4);
        set => WriteOffset(BigTiff ? 8 : 4, value);
    }

    /// <summary>File offset of IFD <paramref name="index"/> in the chain.</summary>
    public long Ifd(int index)
    {
        ulong at = FirstIfd;
        for (int i = 0; i < index; i++)
        {
            at = NextOf((long)at);
        }

        return (long)at;
    }

    public ulong EntryCount(long ifd) => BigTiff ? U64(ifd) : U16(ifd);

    public void SetEntryCount(long ifd, ulong count)
    {
        if (BigTiff)
        {
            W64(ifd, count);
        }
        else
        {
            W16(ifd, (ushort)count);
        }
    }

    public ulong NextOf(long ifd) => ReadOffset(NextPointer(ifd));

    public void SetNext(long ifd, ulong next) => WriteOffset(NextPointer(ifd), next);

    private long NextPointer(long ifd) => ifd + CountSize + ((long)EntryCount(ifd) * EntrySize);

    /// <summary>Offset of the entry for <paramref name="tag"/> in the IFD at <paramref name="ifd"/>.</summary>
    public long Entry(long ifd, ushort tag)
    {
        ulong n = EntryCount(ifd);
        for (ulong i = 0; i < n; i++)
        {
            long e = ifd + CountSize + ((long)i * EntrySize);
            if (U16(e) == tag)
            {
                return e;
            }
        }

        throw new ArgumentException($"tag {tag} not in IFD at {ifd}");
    }

    public ushort TypeOf(long entry) => U16(entry + 2);
    public ulong CountOf(long entry) => BigTiff ? U64(entry + 4) : U32(entry + 4);
    public long ValueField(long entry) => entry + (BigTiff ? 12 : 8);

    public void SetTag(long entry, ushort tag) => W16(entry, tag);
    public void SetType(long entry, ushort type) => W16(entry + 2, type);

    public void SetCount(long entry, ulong count)
    {
        if (BigTiff)
        {
            W64(entry + 4, count);
        }
        else
        {
            W32(entry + 4, (uint)count);
        }
    }

    /// <summary>Where the entry's value bytes are: inline in the entry, or at the offset it stores.</summary>
    public long ValueAt(long entry)
    {
        long size = (long)CountOf(entry) * TypeSize(TypeOf(entry));
        return size <= OffsetSize ? ValueField(entry) : (long)ReadOffset(ValueField(entry));
    }

    /// <summary>Element <paramref name="index"/> of an integer entry.</summary>
    public ulong GetValue(long entry, int index = 0)
    {
        ushort type = TypeOf(entry);
        long at = ValueAt(entry) + (index * TypeSize(type));
        return type switch
        {
            1 => _bytes[at],
            3 => U16(at),
            4 or 13 => U32(at),
            16 or 18 => U64(at),
            _ => throw new ArgumentException($"type {type} is not an integer"),
        };
    }

    /// <summary>Overwrites element <paramref name="index"/> of an integer entry in place (same type and count).</summary>
    public void SetValue(long entry, ulong value, int index = 0)
    {
        ushort type = TypeOf(entry);
        long at = ValueAt(entry) + (index * TypeSize(type));
        switch (type)
        {
            case 1: _bytes[at] = (byte)value; break;
            case 3: W16(at, (ushort)value); break;
            case 4 or 13: W32(at, (uint)value); break;
            case 16 or 18: W64(at, value); break;
            default: throw new ArgumentException($"type {type} is not an integer");
        }
    }

    /// <summary>Replaces an entry's type and values; values that do not fit inline are appended at the end of the file.</summary>
    public void SetValues(long entry, ushort type, IReadOnlyList<ulong> values)
    {
        int size = TypeSize(type);
        var data = new byte[values.Count * size];
        for (int i = 0; i < values.Count; i++)
        {
            Span<byte> d = data.AsSpan(i * size);
            switch (size)
            {
                case 1: d[0] = (byte)values[i]; break;
                case 2: Put16(d, (ushort)values[i]); break;
                case 4: Put32(d, (uint)values[i]); break;
                default: Put64(d, values[i]); break;
            }
        }

        SetType(entry, type);
        SetCount(entry, (ulong)values.Count);
        long field = ValueField(entry);
        _bytes.AsSpan((int)field, OffsetSize).Clear();
        if (data.Length <= OffsetSize)
        {
            data.CopyTo(_bytes, field);
        }
        else
        {
            long at = Append(data);
            WriteOffset(field, (ulong)at);
        }
    }

    /// <summary>Removes an entry, shifting the later ones and the next-IFD pointer up.</summary>
    public void RemoveEntry(long ifd, ushort tag)
    {
        long entry = Entry(ifd, tag);
        long end = NextPointer(ifd) + OffsetSize;
        Array.Copy(_bytes, entry + EntrySize, _bytes, entry, end - (entry + EntrySize));
        _bytes.AsSpan((int)(end - EntrySize), EntrySize).Clear();
        SetEntryCount(ifd, EntryCount(ifd) - 1);
    }

    /// <summary>Appends bytes (8-byte aligned) and returns where they start.</summary>
    public long Append(ReadOnlySpan<byte> data)
    {
        long at = (_bytes.Length + 7) / 8 * 8;
        var grown = new byte[at + data.Length];
        _bytes.CopyTo(grown, 0);
        data.CopyTo(grown.AsSpan((int)at));
        _bytes = grown;
        return at;
    }

    public void Truncate(long length) => Array.Resize(ref _bytes, (int)length);

    public void Write(long at, ReadOnlySpan<byte> data) => data.CopyTo(_bytes.AsSpan((int)at));

    public ulong ReadOffset(long at) => BigTiff ? U64(at) : U32(at);

    public void WriteOffset(long at, ulong value)
    {
        if (BigTiff)
        {
            W64(at, value);
        }
        else
        {
            W32(at, (uint)value);
        }
    }

    public static int TypeSize(ushort type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 or 13 => 4,
        5 or 10 or 12 or 16 or 17 or 18 => 8,
        _ => 0,
    };

    public ushort U16(long at) => LittleEndian
        ? BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan((int)at))
        : BinaryPrimitives.ReadUInt16BigEndian(_bytes.AsSpan((int)at));

    public uint U32(long at) => LittleEndian
        ? BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan((int)at))
        : BinaryPrimitives.ReadUInt32BigEndian(_bytes.AsSpan((int)at));

    public ulong U64(long at) => LittleEndian
        ? BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan((int)at))
        : BinaryPrimitives.ReadUInt64BigEndian(_bytes.AsSpan((int)at));

    public void W16(long at, ushort v) => Put16(_bytes.AsSpan((int)at), v);
    public void W32(long at, uint v) => Put32(_bytes.AsSpan((int)at), v);
    public void W64(long at, ulong v) => Put64(_bytes.AsSpan((int)at), v);

    private void Put16(Span<byte> d, ushort v)
    {
        if (LittleEndian) { BinaryPrimitives.WriteUInt16LittleEndian(d, v); } else { BinaryPrimitives.WriteUInt16BigEndian(d, v); }
    }

    private void Put32(Span<byte> d, uint v)
    {
        if (LittleEndian) { BinaryPrimitives.WriteUInt32LittleEndian(d, v); } else { BinaryPrimitives.WriteUInt32BigEndian(d, v); }
    }

    private void Put64(Span<byte> d, ulong v)
    {
        if (LittleEndian) { BinaryPrimitives.WriteUInt64LittleEndian(d, v); } else { BinaryPrimitives.WriteUInt64BigEndian(d, v); }
    }
}
