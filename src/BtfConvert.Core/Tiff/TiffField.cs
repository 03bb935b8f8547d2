
namespace BtfConvert.Core.Tiff;

/// <summary>One IFD entry with its value bytes, still in the file's byte order.</summary>
public sealed class TiffField(ushort tag, TiffFieldType type, ulong count, byte[] data, bool littleEndian)
{
    public ushort Tag { get; } = tag;
    public TiffFieldType Type { get; } = type;
    public ulong Count { get; } = count;

    /// <summary>Count × element size bytes, in the source byte order.</summary>
    public byte[] Data { get; } = data;

    public bool LittleEndian { get; } = littleEndian;

    private EndianReader Reader => new(LittleEndian);

    public bool IsInteger => Type is TiffFieldType.Byte or TiffFieldType.Short or TiffFieldType.Long
        or TiffFieldType.Long8 or TiffFieldType.Ifd or TiffFieldType.Ifd8;

    /// <summary>Element <paramref name="index"/> of an unsigned integer field (BYTE, SHORT, LONG, LONG8, IFD, IFD8).</summary>
    public ulong GetUInt64(int index = 0)
    {
        ReadOnlySpan<byte> d = Data;
        return Type switch
        {
            TiffFieldType.Byte => d[index],
            TiffFieldType.Short => Reader.UInt16(d[(index * 2)..]),
            TiffFieldType.Long or TiffFieldType.Ifd => Reader.UInt32(d[(index * 4)..]),
            TiffFieldType.Long8 or TiffFieldType.Ifd8 => Reader.UInt64(d[(index * 8)..]),
            _ => throw new InvalidDataException($"tag {Tag} has type {Type}, expected an unsigned integer"),
        };
    }

    public ulong[] GetUInt64Array()
    {
        var values = new ulong[Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = GetUInt64(i);
        }

        return values;
    }

    /// <summary>RATIONAL element as a double (NaN for a zero denominator).</summary>
    public double GetRational(int index = 0)
    {
        if (Type is not (TiffFieldType.Rational or TiffFieldType.SRational))
        {
            return GetUInt64(index);
        }

        ReadOnlySpan<byte> d = Data.AsSpan(index * 8);
        uint num = Reader.UInt32(d), den = Reader.UInt32(d[4..]);
        if (den == 0)
        {
            return double.NaN;
        }

        return Type == TiffFieldType.SRational ? (int)num / (double)(int)den : num / (double)den;
    }

    /// <summary>ASCII value without its NUL terminator(s); non-printable bytes replaced.</summary>
    public string GetString()
    {
        ReadOnlySpan<byte> d = Data;
        int end = d.IndexOf((byte)0);
        if (end >= 0)
        {
            d = d[..end];
        }

        return System.Text.Encoding.Latin1.GetString(d).TrimEnd();
    }
}
