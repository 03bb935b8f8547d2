using BtfConvert.Core.IO;
using BtfConvert.Samples.Malformed;

namespace BtfConvert.Cli.Tests.Robustness;

/// <summary>
/// Every case of the malformed corpus through the real command line (in-process), for both <c>info</c> and
/// <c>convert</c>: the documented exit code, one error line naming the file and the problem, no stack trace, nothing
/// left in the output directory, and bounded allocation.
/// </summary>
public sealed class MalformedCorpusTests : IDisposable
{
    /// <summary>
    /// Allocation allowed per command on a 15 KB input. A good 64×48 conversion allocates a few MB (1 MiB read
    /// window, encoder buffers, System.CommandLine); anything sized from an unchecked count in these files would
    /// be hundreds of MB to GBs.
    /// </summary>
    private const long AllocationBound = 64L << 20;

    private static readonly Lazy<Dictionary<string, MalformedCase>> Cases =
        new(() => MalformedCorpus.All().ToDictionary(c => c.Name));

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> CaseNames() => [.. Cases.Value.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void The_corpus_has_at_least_30_cases_covering_both_flavours_and_byte_orders()
    {
        var names = Cases.Value.Keys.ToList();
        Assert.True(names.Count >= 30, $"{names.Count} cases");
        foreach (var suffix in new[] { "-bt-le", "-bt-be", "-ct-le", "-ct-be" })
        {
            Assert.Contains(names, n => n.EndsWith(suffix, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// The files are committed (so other tools — tiffinfo, a future fuzzer's seed set — can use them without
    /// building) and must stay exactly what the generator makes, so a change to the sample writer or a case shows
    /// up as a diff to regenerate rather than as silent drift.
    /// </summary>
    [Fact]
    public void Committed_files_equal_the_generator_output()
    {
        string dir = RepositoryPaths.MalformedCorpus;
        var committed = Directory.GetFiles(dir, "*.btf").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Cases.Value.Values.Select(c => c.FileName).Order(StringComparer.Ordinal), committed);
        foreach (var c in Cases.Value.Values)
        {
            Assert.True(c.Bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, c.FileName))),
                $"{c.FileName} differs from the generator; regenerate with btf-sample --malformed {dir}");
        }

        Assert.Equal(MalformedCorpus.Manifest([.. Cases.Value.Values]), File.ReadAllText(Path.Combine(dir, "README.md")));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Info_gives_the_documented_result(string name)
    {
        var c = Cases.Value[name];
        string input = _dir.File(c.FileName);
        File.WriteAllBytes(input, c.Bytes);
        var (r, allocated) = await RunMeasuredAsync("info", input);
        if (!c.MustConvert && r.ExitCode == ExitCodes.Success)
        {
            // A valid TIFF btfconvert does not convert is described, with the reason it would refuse it.
            Assert.Contains($"not convertible: {input}: ", r.StdOut, StringComparison.Ordinal);
            Assert.Contains(c.Expect, r.StdOut, StringComparison.Ordinal);
            Assert.Equal([c.FileName], _dir.Files());
            return;
        }

        Check(c, input, r, allocated);
        if (c.MustConvert)
        {
            Assert.Contains("Planned pyramid", r.StdOut, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(string.Empty, r.StdOut);
        }

        Assert.Equal([c.FileName], _dir.Files());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Convert_gives_the_documented_result_and_leaves_nothing_behind(string name)
    {
        var c = Cases.Value[name];
        string input = _dir.File(c.FileName), output = _dir.File("out.tiff");
        File.WriteAllBytes(input, c.Bytes);
        var (r, allocated) = await RunMeasuredAsync("convert", input, output, "--threads", "2");
        Check(c, input, r, allocated);
        if (c.MustConvert)
        {
            Assert.Equal(new[] { c.FileName, "out.tiff" }.Order(StringComparer.Ordinal), _dir.Files().Order(StringComparer.Ordinal));
            var converted = File.ReadAllBytes(output);
            Assert.Equal((byte)'I', converted[0]);
        }
        else
        {
            // No output, and no temporary either.
            Assert.Equal([c.FileName], _dir.Files());
        }
    }

    private static async Task<(CliRunner.Result Result, long Allocated)> RunMeasuredAsync(params string[] args)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var r = await CliRunner.RunAsync(args);
        return (r, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    private static void Check(MalformedCase c, string input, CliRunner.Result r, long allocated)
    {
        string all = r.StdErr + r.StdOut;
        Assert.True(c.ExitCode == r.ExitCode, $"{c.Name}: exit {r.ExitCode}, expected {c.ExitCode}\n{all}");
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.True(allocated < AllocationBound, $"{c.Name}: allocated {allocated:N0} bytes");
        var errors = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" ERR ", StringComparison.Ordinal)).ToList();
        if (c.MustConvert)
        {
            Assert.Empty(errors);
            Assert.Contains(c.Expect, all, StringComparison.Ordinal);
        }
        else
        {
            var line = Assert.Single(errors);
            Assert.Contains($"{input}: ", line, StringComparison.Ordinal);
            Assert.Contains(c.Expect, line, StringComparison.Ordinal);
        }
    }
}
