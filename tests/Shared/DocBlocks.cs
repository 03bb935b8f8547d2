using System.Text.RegularExpressions;
using Xunit;

namespace BtfConvert.Tests.Shared;

/// <summary>
/// Cuts a fenced block out of a doc between <c>&lt;!-- begin NAME …--&gt;</c> and <c>&lt;!-- end NAME --&gt;</c>, so a
/// test runs or checks what users read and the two cannot drift.
/// </summary>
public static class DocBlocks
{
    public static string Fenced(string doc, string name)
    {
        string text = File.ReadAllText(Path.Combine(Repository.Root, "docs", doc));
        var match = Regex.Match(text, $@"<!-- begin {Regex.Escape(name)}[^>]*-->\s*```\w*\n(.*?)```\s*<!-- end {Regex.Escape(name)} -->", RegexOptions.Singleline);
        Assert.True(match.Success, $"docs/{doc} has no fenced block between <!-- begin {name} … --> and <!-- end {name} -->");
        return match.Groups[1].Value;
    }
}
