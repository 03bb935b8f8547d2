using System.Buffers.Binary;
using BtfConvert.Core.IO;

namespace BtfConvert.Core.Metadata;

/// <summary>
/// Reads the Olympus SIS block the way tifffile's read_sis does. The block stores 32-bit absolute offsets even in
/// files larger than 4 GiB, so the stored offset is tried as is and shifted by multiples of 4 GiB towards the SIS
/// header; whatever is read is validated, and any doubt gives null (the block is optional).
/// </summary>
internal static class OlympusSisParser
{
    private const int HeaderLength = 60;
    private const int EntryLength = 8;
    private const int CalibrationLength = 112;
    private const long FourGiB = 1L << 32;

    public static async Task<OlympusSisMetadata?> TryReadAsync(CachedReader reader, long sisOffset, CancellationToken ct)
    {
        try
        {
            return await ReadAsync(reader, sisOffset, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or ArgumentException)
        {
            return null;
        }
    }

    private static async Task<OlympusSisMetadata?> ReadAsync(CachedReader reader, long sisOffset, CancellationToken ct)
    {
        long fileLength = reader.Source.Length;
        if (sisOffset <= 0 || sisOffset + HeaderLength > fileLength)
        {
            return null;
        }

        byte[] header = await reader.ReadAsync(sisOffset, HeaderLength, ct).ConfigureAwait(false);
        if (!header.AsSpan(0, 4).SequenceEqual("SIS0"u8))
        {
            return null;
        }

        int minute = BinaryPrimitives.ReadInt16LittleEndian(header.AsSpan(10));
        int hour = BinaryPrimitives.ReadInt16LittleEndian(header.AsSpan(12));
        int day = BinaryPrimitives.ReadInt16LittleEndian(header.AsSpan(14));
        int month = BinaryPrimitives.ReadInt16LittleEndian(header.AsSpan(16));
        int year = BinaryPrimitives.ReadInt16LittleEndian(header.AsSpan(18));
        string name = ReadCString(header.AsSpan(26, 32));
        int tagCount = BinaryPrimitives.ReadInt16LittleEndian(header.AsSpan(58));
        if (tagCount is <= 0 or > 256 || sisOffset + HeaderLength + ((long)tagCount * EntryLength) > fileLength)
        {
            return null;
        }

        byte[] entries = await reader.ReadAsync(sisOffset + HeaderLength, tagCount * EntryLength, ct).ConfigureAwait(false);
        for (int i = 0; i < tagCount; i++)
        {
            var entry = entries.AsSpan(i * EntryLength, EntryLength);
            if (BinaryPrimitives.ReadInt16LittleEndian(entry) != 1)
            {
                continue;
            }

            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            foreach (long candidate in CandidateOffsets(stored, sisOffset, fileLength))
            {
                byte[] cal = await reader.ReadAsync(candidate, CalibrationLength, ct).ConfigureAwait(false);
                var parsed = ParseCalibration(cal, name, TryMakeDate(year, month, day, hour, minute));
                if (parsed is not null)
                {
                    return parsed;
                }
            }
        }

        return null;
    }

    /// <summary>The stored 32-bit offset, then the same offset moved into the 4 GiB slices nearest the SIS header.</summary>
    internal static IEnumerable<long> CandidateOffsets(uint stored, long sisOffset, long fileLength)
    {
        long slice = sisOffset / FourGiB;
        var seen = new HashSet<long>();
        foreach (long k in new[] { slice, slice - 1, slice + 1, 0 })
        {
            long candidate = stored + (k * FourGiB);
            if (k >= 0 && candidate + CalibrationLength <= fileLength && seen.Add(candidate))
            {
                yield return candidate;
            }
        }
    }

    internal static OlympusSisMetadata? ParseCalibration(ReadOnlySpan<byte> cal, string name, DateTime? date)
    {
        int lenExp = BinaryPrimitives.ReadInt16LittleEndian(cal[10..]);
        double xCal = BinaryPrimitives.ReadDoubleLittleEndian(cal[12..]);
        double yCal = BinaryPrimitives.ReadDoubleLittleEndian(cal[20..]);
        double magnification = BinaryPrimitives.ReadDoubleLittleEndian(cal[36..]);
        string camera = ReadCString(cal.Slice(46, 34));
        string pictureType = ReadCString(cal.Slice(80, 32));
        if (lenExp is < -12 or > 0)
        {
            return null;
        }

        double x = xCal * Math.Pow(10, lenExp), y = yCal * Math.Pow(10, lenExp);
        // A pixel between 1 nm and 1 mm; anything else is not a slide scanner's calibration.
        if (!IsPlausiblePixelSize(x) || !IsPlausiblePixelSize(y))
        {
            return null;
        }

        if (!double.IsFinite(magnification) || magnification is < 0 or > 1000)
        {
            magnification = 0;
        }

        return new OlympusSisMetadata(x, y, magnification, camera, pictureType, name, date);
    }

    private static bool IsPlausiblePixelSize(double meters) => double.IsFinite(meters) && meters is >= 1e-9 and <= 1e-3;

    private static DateTime? TryMakeDate(int year, int month, int day, int hour, int minute)
    {
        try
        {
            return new DateTime(1900 + year, month + 1, day, hour, minute, 0, DateTimeKind.Unspecified);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static string ReadCString(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        var s = System.Text.Encoding.Latin1.GetString(end >= 0 ? bytes[..end] : bytes);
        return new string(s.Where(c => !char.IsControl(c)).ToArray()).Trim();
    }
}
