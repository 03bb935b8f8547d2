using System.Text.RegularExpressions;

namespace BtfConvert.Core.Tests.Architecture;

/// <summary>
/// Core's namespaces must form a graph without cycles (IO and Tiff at the bottom, Batch and Verification on top).
/// Read from the sources, not by reflection: a `const` such as OutputRecord.Stale is inlined into the caller's IL, and
/// a &lt;see cref&gt; leaves no trace in the assembly, yet both tie the namespaces together for a reader.
/// </summary>
public sealed partial class NamespaceGraphTests
{
    [Fact]
    public void Core_namespaces_have_no_cycle()
    {
        var graph = ReadGraph(Path.Combine(Repository.Root, "src", "BtfConvert.Core"));
        Assert.Contains("BtfConvert.Core.IO", graph.Keys);

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, $"namespace cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void The_cycle_finder_finds_a_cycle()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
        };

        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
    }

    private static Dictionary<string, HashSet<string>> ReadGraph(string coreDirectory)
    {
        var files = Directory.EnumerateFiles(coreDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(f => Path.GetRelativePath(coreDirectory, f).Split(Path.DirectorySeparatorChar)[0] is not ("obj" or "bin"))
            .Select(File.ReadAllText)
            .Select(text => (Namespace: FileNamespace().Match(text).Groups[1].Value, Text: text))
            .Where(f => f.Namespace.Length > 0)
            .ToList();
        var graph = files.Select(f => f.Namespace).Distinct()
            .ToDictionary(n => n, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (own, text) in files)
        {
            foreach (Match reference in CoreReference().Matches(text))
            {
                // "BtfConvert.Core.IO.OutputRecord.Stale" names namespace BtfConvert.Core.IO: the longest known prefix.
                string name = reference.Value;
                while (!graph.ContainsKey(name) && name.Contains('.', StringComparison.Ordinal))
                {
                    name = name[..name.LastIndexOf('.')];
                }

                if (graph.ContainsKey(name) && name != own)
                {
                    graph[own].Add(name);
                }
            }
        }

        return graph;
    }

    private static List<string>? FindCycle(IReadOnlyDictionary<string, HashSet<string>> graph)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (string start in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        List<string>? Visit(string node)
        {
            int onPath = path.IndexOf(node);
            if (onPath >= 0)
            {
                return [.. path[onPath..], node];
            }

            if (!done.Add(node))
            {
                return null;
            }

            path.Add(node);
            foreach (string next in graph.GetValueOrDefault(node, []).Order(StringComparer.Ordinal))
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }
    }

    [GeneratedRegex(@"^namespace\s+(BtfConvert\.Core[\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    // "using BtfConvert.Core.X;" and qualified uses such as "BtfConvert.Core.X.Type" alike.
    [GeneratedRegex(@"BtfConvert\.Core(\.\w+)*")]
    private static partial Regex CoreReference();
}
