using FsCheck;
using FsCheck.Fluent;
using BtfConvert.Samples.Malformed;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>
/// Property (issue 13, libtiff-like leniency): damage confined to what the conversion does not need — the type,
/// count or value of IFD0's copied tags (Make, Model, DateTime, Artist, resolution) and of private tags, and the
/// next-IFD pointers — never sinks a good file: it still converts. FUZZ_CASES sets the number of cases.
/// </summary>
[Collection(nameof(FuzzCollection))]
public sealed class LenientFuzzTests
{
    private static readonly ushort[] NotNeeded = [271, 272, 282, 283, 296, 306, 315];
    private static readonly ushort[] Types = [1, 2, 3, 4, 5, 7, 9, 12, 16, 17, 18, 99];
    private static readonly ulong[] Values = [0, 1, 8, 1UL << 31, uint.MaxValue, 1UL << 40, long.MaxValue, 1UL << 63, ulong.MaxValue];

    private sealed record Damage(int Flavour, int Tag, int What, int Type, int Value, int NewTag)
    {
        public byte[] Build()
        {
            var p = new TiffPatcher(MalformedCorpus.Base(Flavour < 2, Flavour % 2 == 0));
            ulong value = Values[Value % Values.Length];
            if (What == 4)
            {
                p.SetNext(p.Ifd(Tag % 2), value == 0 ? 1 : value);
                return p.ToArray();
            }

            long entry = p.Entry(p.Ifd(0), NotNeeded[Tag % NotNeeded.Length]);
            switch (What)
            {
                case 0: p.SetType(entry, Types[Type % Types.Length]); break;
                case 1: p.SetCount(entry, value); break;
                case 2: p.WriteOffset(p.ValueField(entry), value); break;
                default:
                    // A private tag (above 32768, not the SIS or EXIF pointers) with a hostile count.
                    p.SetTag(entry, (ushort)(40000 + (NewTag % 20000)));
                    p.SetCount(entry, value);
                    break;
            }

            return p.ToArray();
        }
    }

    [Fact]
    public void Damage_in_tags_the_conversion_does_not_need_never_sinks_a_good_file()
    {
        var cases =
            from flavour in Gen.Choose(0, 3)
            from tag in Gen.Choose(0, 100)
            from what in Gen.Choose(0, 4)
            from type in Gen.Choose(0, 100)
            from value in Gen.Choose(0, 100)
            from newTag in Gen.Choose(0, 20000)
            select new Damage(flavour, tag, what, type, value, newTag);
        var property = Prop.ForAll(cases.ToArbitrary(), d =>
        {
            string outcome = FuzzHarness.Run(d.Build());
            if (outcome != "converted")
            {
                throw new FuzzFailure($"{d}: {outcome}");
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(50, FuzzTests.Cases / 4)).WithQuietOnSuccess(true), property);
    }
}
