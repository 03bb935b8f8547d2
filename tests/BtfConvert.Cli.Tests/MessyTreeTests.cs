using System.Text.Json;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// A real scan tree is messy: names from old Windows/Samba shares that are not UTF-8, symlink farms, folders with
/// wrong permissions, names with control characters. One odd file never stops a night's batch, and a rerun
/// converts nothing twice (issue 19).
/// </summary>
public sealed class MessyTreeTests : IDisposable
{
    private readonly BatchTree _tree = new();

    public void Dispose() => _tree.Dispose();

    /// <summary>Creates a file whose name holds raw bytes (printf octal escapes, e.g. \351 for Latin-1 é): .NET cannot name it.</summary>
    internal static void RawNamedFile(string directory, string printfName, string content = "x")
    {
        Directory.CreateDirectory(directory);
        var r = CliRunner.RunProgram("sh", "-c", "printf '%s' \"$2\" > \"$1/$(printf \"$3\")\"", "sh", directory, content, printfName);
        Assert.True(r.ExitCode == 0, r.Output);
    }

    private static string[] Lines(CliRunner.Result r, string level) =>
        r.StdErr.Split('\n').Where(l => l.Contains($" {level} ", StringComparison.Ordinal)).ToArray();

    private static int Count(JsonElement summary, string field) => summary.GetProperty(field).GetInt32();

    [Fact]
    public async Task A_name_that_is_not_UTF8_is_one_warning_and_the_batch_converts_the_rest()
    {
        _tree.Slide("a.btf", 1);
        _tree.Slide("notes/b.btf", 2);
        RawNamedFile(Path.Combine(_tree.Source, "notes"), "r\\351sum\\351.txt");

        foreach (var extra in new[] { new[] { "--dry-run" }, ["--exclude", "notes/"], [] })
        {
            var r = await _tree.RunAsync(extra);
            Assert.True(r.ExitCode == ExitCodes.Success, $"{string.Join(' ', extra)}: exit {r.ExitCode}: {r.Output}");
            Assert.Empty(Lines(r, "ERR"));
            if (extra.Length == 0)
            {
                var warning = Assert.Single(Lines(r, "WRN"));
                Assert.Contains("not valid UTF-8", warning, StringComparison.Ordinal);
                Assert.Contains("sum\uFFFD.txt", warning, StringComparison.Ordinal);
            }
        }

        Assert.Equal(["a.tiff", "notes/b.tiff"], _tree.DestinationFiles());
    }

    [Fact]
    public async Task A_selected_input_whose_name_is_not_UTF8_is_one_failed_item_naming_it()
    {
        _tree.Slide("a.btf", 1);
        RawNamedFile(_tree.Source, "sc\\351n.btf");

        var r = await _tree.RunAsync();

        Assert.True(r.ExitCode == ExitCodes.PartialFailure, r.Output);
        var error = Assert.Single(Lines(r, "ERR"), l => l.Contains("Failed:", StringComparison.Ordinal));
        Assert.Contains($"{_tree.Source}/sc\uFFFDn.btf: the file name is not valid UTF-8", error, StringComparison.Ordinal);
        Assert.Single(_tree.Items("failed"));
        Assert.Single(_tree.Items("converted"));
        Assert.Equal(["a.tiff"], _tree.DestinationFiles());
    }

    [Fact]
    public async Task A_symlink_farm_is_described_by_its_targets_converted_once_and_skipped_after()
    {
        string real = Path.Combine(_tree.Root, "real");
        Directory.CreateDirectory(real);
        string slide = _tree.Slide("../real/a.btf", 1);
        _tree.Slide("../real/sub/b.btf", 2);
        Directory.CreateDirectory(Path.Combine(_tree.Source, "sub"));
        File.CreateSymbolicLink(Path.Combine(_tree.Source, "a.btf"), slide);
        File.CreateSymbolicLink(Path.Combine(_tree.Source, "sub", "b.btf"), "../../real/sub/b.btf");
        File.CreateSymbolicLink(Path.Combine(_tree.Source, "gone.btf"), Path.Combine(real, "gone.btf"));

        var r = await _tree.RunAsync("--dry-run");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var plan = BatchTree.ParseLines(File.ReadAllText(_tree.Report)).Where(l => l.GetProperty("type").GetString() == "plan").ToList();
        Assert.Equal(2, plan.Count);
        Assert.Contains(plan, p => p.GetProperty("sourceBytes").GetInt64() == new FileInfo(slide).Length);

        r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        var warning = Assert.Single(Lines(r, "WRN"));
        Assert.Contains($"{_tree.Source}/gone.btf: symbolic link to {real}/gone.btf, which does not exist", warning, StringComparison.Ordinal);
        Assert.Equal(2, _tree.Items("converted").Count);
        Assert.All(_tree.Items("converted"), i => Assert.True(i.GetProperty("sourceBytes").GetInt64() > 1000));

        r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Equal(2, _tree.Items("skipped").Count);
        Assert.Empty(_tree.Items("converted"));
        Assert.Equal(["a.tiff", "sub/b.tiff"], _tree.DestinationFiles());
    }

    [Fact]
    public async Task Names_with_control_characters_convert_and_log_lines_show_them_escaped()
    {
        _tree.Slide("ansi-\u001b[31mred.btf", 1);
        _tree.Slide("two\nlines.btf", 2);

        var r = await _tree.RunAsync();

        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Equal(["ansi-\u001b[31mred.tiff", "two\nlines.tiff"], _tree.DestinationFiles());
        Assert.DoesNotContain('\u001b', r.StdErr);
        Assert.Contains("ansi-\\x1b[31mred.btf", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("two\\nlines.btf", r.StdErr, StringComparison.Ordinal);
        Assert.All(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^\d{4}-\d\d-\d\dT", l));
        // The report is JSON: the names are there as they are.
        Assert.Contains(_tree.Items("converted"), i => i.GetProperty("source").GetString()!.EndsWith("two\nlines.btf", StringComparison.Ordinal));

        r = await _tree.RunAsync();
        Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        Assert.Equal(2, _tree.Items("skipped").Count);
    }
}
