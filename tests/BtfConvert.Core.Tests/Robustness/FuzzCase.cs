using System.Globalization;
using BtfConvert.Samples.Malformed;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>What a mutation changes.</summary>
public enum MutationKind
{
    HeaderByte,
    TailByte,
    EntryTag,
    EntryType,
    EntryCount,
    EntryValue,
    IfdEntryCount,
    IfdNext,
    FirstIfd,
    Truncate,
}

/// <param name="Kind">What to change.</param>
/// <param name="Ifd">0 = the main image's IFD, 1 = the thumbnail's.</param>
/// <param name="Index">Entry index or byte position (taken modulo what exists).</param>
/// <param name="Value">The new value (truncated to the field's width).</param>
public readonly record struct Mutation(MutationKind Kind, int Ifd, int Index, ulong Value)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}(ifd {Ifd}, #{Index}, 0x{Value:X})");
}

/// <summary>
/// One fuzz input: a valid 64×48 sample in one of the four flavours (BigTIFF/classic × LE/BE) and a few mutations of
/// its header, IFD entries (tag, type, count, value/offset), entry counts, chain pointers and tail bytes. Printed
/// in full when a property fails, which is all it takes to reproduce it (<see cref="Build"/>).
/// </summary>
public sealed record FuzzCase(int Flavour, IReadOnlyList<Mutation> Mutations)
{
    /// <summary>Strips of the base sample end here (507 + 48 rows × 64 × 3); IFDs, SIS and EXIF follow.</summary>
    private const int TailStart = 507 + (48 * 64 * 3);

    private static readonly byte[][] Bases =
        [MalformedCorpus.Base(true, true), MalformedCorpus.Base(true, false), MalformedCorpus.Base(false, true), MalformedCorpus.Base(false, false)];

    public override string ToString() =>
        $"flavour {Flavour} ({(Flavour < 2 ? "BigTIFF" : "classic")} {(Flavour % 2 == 0 ? "LE" : "BE")}): {string.Join(", ", Mutations)}";

    public byte[] Build()
    {
        var p = new TiffPatcher((byte[])Bases[Flavour].Clone());
        foreach (var m in Mutations)
        {
            try
            {
                Apply(p, m);
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // An earlier mutation moved the structure this one wanted to change; the input stays as it is.
            }
        }

        return p.ToArray();
    }

    private static void Apply(TiffPatcher p, Mutation m)
    {
        switch (m.Kind)
        {
            case MutationKind.HeaderByte:
                p.Write(m.Index % Math.Min(16, p.Length), [(byte)m.Value]);
                return;
            case MutationKind.TailByte:
                p.Write(TailStart + (m.Index % (p.Length - TailStart)), [(byte)m.Value]);
                return;
            case MutationKind.FirstIfd:
                p.FirstIfd = m.Value;
                return;
            case MutationKind.Truncate:
                p.Truncate(m.Index % p.Length);
                return;
        }

        long ifd = p.Ifd(m.Ifd);
        if (ifd <= 0 || ifd >= p.Length - 16)
        {
            return;
        }

        if (m.Kind == MutationKind.IfdEntryCount)
        {
            p.SetEntryCount(ifd, m.Value);
            return;
        }

        if (m.Kind == MutationKind.IfdNext)
        {
            p.SetNext(ifd, m.Value);
            return;
        }

        ulong count = p.EntryCount(ifd);
        if (count is 0 or > 100)
        {
            return;
        }

        long entry = ifd + (p.BigTiff ? 8 : 2) + ((long)((ulong)m.Index % count) * (p.BigTiff ? 20 : 12));
        switch (m.Kind)
        {
            case MutationKind.EntryTag: p.SetTag(entry, (ushort)m.Value); break;
            case MutationKind.EntryType: p.SetType(entry, (ushort)m.Value); break;
            case MutationKind.EntryCount: p.SetCount(entry, m.Value); break;
            case MutationKind.EntryValue: p.WriteOffset(p.ValueField(entry), m.Value); break;
        }
    }
}
