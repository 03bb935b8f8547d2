using System.Collections.Concurrent;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace BtfConvert.Core.Tests.Robustness;

/// <summary>Allocation is measured process-wide, so these run alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(FuzzCollection), DisableParallelization = true)]
public sealed class FuzzCollection;

/// <summary>
/// Property: whatever is done to a valid input's header and IFDs, inspect + convert either converts it or rejects
/// it with InvalidDataException / NotSupportedException / EndOfStreamException (exit 3) naming the file, within a
/// time budget and an allocation bound, and never leaves a committed output behind a failure.
/// FUZZ_CASES sets the number of cases (CI default 400; bench/fuzz.sh runs many more).
/// </summary>
[Collection(nameof(FuzzCollection))]
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly ulong[] Interesting =
    [
        0, 1, 2, 3, 4, 7, 8, 12, 16, 20, 42, 43, 64, 255, 256, 507, 4096, 65535, 65536, 9723, 10064, 14840,
        int.MaxValue, 1UL << 31, uint.MaxValue - 7, uint.MaxValue, 1UL << 32, (1UL << 32) + 507, 1UL << 40,
        (1UL << 62) + 1, long.MaxValue, 1UL << 63, ulong.MaxValue - 7, ulong.MaxValue,
    ];

    public static int Cases =>
        int.TryParse(Environment.GetEnvironmentVariable("FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 400;

    private static Gen<ulong> Values => Gen.Frequency(
        (4, Gen.Elements(Interesting)),
        (2, Gen.Choose(0, 20000).Select(v => (ulong)v)),
        (1, Gen.Choose(0, int.MaxValue).Select(v => (ulong)v)),
        (1, Gen.Choose(0, int.MaxValue).Select(v => ((ulong)v << 33) ^ (ulong)v)));

    private static Gen<Mutation> Mutations =>
        from kind in Gen.Frequency(
            (3, Gen.Constant(MutationKind.HeaderByte)), (6, Gen.Constant(MutationKind.TailByte)),
            (4, Gen.Constant(MutationKind.EntryTag)), (4, Gen.Constant(MutationKind.EntryType)),
            (6, Gen.Constant(MutationKind.EntryCount)), (8, Gen.Constant(MutationKind.EntryValue)),
            (2, Gen.Constant(MutationKind.IfdEntryCount)), (2, Gen.Constant(MutationKind.IfdNext)),
            (1, Gen.Constant(MutationKind.FirstIfd)), (1, Gen.Constant(MutationKind.Truncate)))
        from ifd in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Constant(1)))
        from index in Gen.Choose(0, int.MaxValue)
        from value in Values
        select new Mutation(kind, ifd, index, value);

    private static Gen<FuzzCase> FuzzCases =>
        from flavour in Gen.Choose(0, 3)
        from count in Gen.Frequency((6, Gen.Choose(1, 2)), (2, Gen.Choose(3, 6)))
        from mutations in Gen.ArrayOf(Mutations, count)
        select new FuzzCase(flavour, mutations);

    [Fact]
    public void Mutated_headers_and_IFDs_are_converted_or_rejected_cleanly()
    {
        var outcomes = new ConcurrentDictionary<string, int>();
        var property = Prop.ForAll(FuzzCases.ToArbitrary(), c =>
        {
            string outcome = FuzzHarness.Run(c.Build());
            outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true), property);

        string summary = string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}"));
        output.WriteLine($"{Cases} cases: {summary}");
        if (Environment.GetEnvironmentVariable("FUZZ_REPORT") is { Length: > 0 } report)
        {
            File.AppendAllText(report, $"{DateTime.UtcNow:O} {Cases} cases: {summary}\n");
        }

        // The mutations must reach both ends: some inputs still convert, most are rejected.
        Assert.True(outcomes.GetValueOrDefault("converted") > 0, summary);
        Assert.True(outcomes.GetValueOrDefault("InvalidDataException") > 0, summary);
    }

    /// <summary>
    /// Found by this property: a private tag (33560) whose count claims 270 MB in a 14 KB file. Our walk ignores it,
    /// but LibTiff.NET, decoding the 1-bit associated image, read the directories again and allocated the declared
    /// size each time (1.36 GB in all). It is now shown the ignored entries' counts as zero.
    /// </summary>
    [Fact]
    public void A_huge_count_on_an_ignored_tag_costs_nothing_when_LibTiff_decodes()
    {
        var damaged = new FuzzCase(3, [
            new Mutation(MutationKind.EntryTag, 0, 1022965736, 0xFF),
            new Mutation(MutationKind.EntryCount, 0, 1261039818, 0x812DB3604096D9BUL),
            new Mutation(MutationKind.EntryValue, 1, 1579463751, 0x10000),
        ]);

        Assert.Equal("converted", FuzzHarness.Run(damaged.Build()));
    }

    [Fact]
    public void Every_corpus_case_and_the_bases_run_through_the_harness()
    {
        foreach (var c in Samples.Malformed.MalformedCorpus.All())
        {
            string outcome = FuzzHarness.Run(c.Bytes);
            Assert.True((outcome == "converted") == c.MustConvert, $"{c.Name}: {outcome}");
        }
    }
}
