using System.Text.RegularExpressions;

namespace BtfConvert.Core.Tests.Architecture;

/// <summary>
/// Core's namespaces must form a graph without cycles (Record, IO and Tiff at the bottom, Batch and Verification on top),
/// child namespaces included: a child sees its parents' types without a using, so Source.Decoding using a
/// Source type while Source uses a Decoding one is a cycle as much as any other.
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

    [Fact]
    public void A_child_namespace_using_its_parents_types_without_a_using_is_an_edge()
    {
        string directory = Path.Combine(Path.GetTempPath(), "btf-nsgraph-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            File.WriteAllText(Path.Combine(directory, "Parent.cs"),
                "using BtfConvert.Core.Parent.Child;\nnamespace BtfConvert.Core.Parent;\ninternal sealed class Reader { private readonly Chunk _chunk = new(); }\n");
            File.WriteAllText(Path.Combine(directory, "Child.cs"),
                "namespace BtfConvert.Core.Parent.Child;\ninternal sealed class Chunk { public void Read(Reader reader) { } }\n");
            File.WriteAllText(Path.Combine(directory, "Other.cs"),
                "namespace BtfConvert.Core.Other;\n/// <summary>Like <see cref=\"Parent.Reader\"/> (a doc reference counts); its Chunk is a property, no type.</summary>\ninternal sealed class Unrelated { public int Chunk { get; } }\n");

            var graph = ReadGraph(directory);

            Assert.Equal(["BtfConvert.Core.Parent", "BtfConvert.Core.Parent.Child", "BtfConvert.Core.Parent"], FindCycle(graph));
            Assert.Equal(["BtfConvert.Core.Parent"], graph["BtfConvert.Core.Other"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Edges: every "BtfConvert.Core.X" written out (usings, qualified names), and the names C# resolves without a
    /// using — a type or namespace of an enclosing namespace: in BtfConvert.Core.Source.Decoding, "SourceImage" is
    /// BtfConvert.Core.Source's and "Tiff.TiffTag" BtfConvert.Core.Tiff's. Comments count through their crefs only.
    /// </summary>
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
        var declared = files.GroupBy(f => f.Namespace, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => g.SelectMany(f => TypeDeclaration().Matches(WithoutComments(f.Text)).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
        foreach (var (own, text) in files)
        {
            foreach (Match reference in CoreReference().Matches(text))
            {
                // "BtfConvert.Core.Record.OutputRecord.Stale" names namespace BtfConvert.Core.Record: the longest known prefix.
                if (LongestNamespace(graph, reference.Value) is { } name && name != own)
                {
                    graph[own].Add(name);
                }
            }

            foreach (Match name in UnqualifiedName().Matches(WithoutComments(text)))
            {
                if (ResolveInEnclosingNamespaces(own, name.Value.Split('.'), graph, declared) is { } target && target != own)
                {
                    graph[own].Add(target);
                }
            }
        }

        return graph;
    }

    private static string? LongestNamespace(Dictionary<string, HashSet<string>> graph, string name)
    {
        while (!graph.ContainsKey(name) && name.Contains('.', StringComparison.Ordinal))
        {
            name = name[..name.LastIndexOf('.')];
        }

        return graph.ContainsKey(name) ? name : null;
    }

    /// <summary>
    /// The namespace C# binds <paramref name="parts"/> to without a using: the innermost enclosing namespace that
    /// declares a type named parts[0] or holds a namespace of that name whose next part is one of its types or
    /// namespaces ("Source.Length", a property, is no reference to BtfConvert.Core.Source).
    /// </summary>
    private static string? ResolveInEnclosingNamespaces(string own, string[] parts, Dictionary<string, HashSet<string>> graph,
        Dictionary<string, HashSet<string>> declared)
    {
        for (string? scope = own; scope is not null; scope = scope == "BtfConvert.Core" ? null : scope[..scope.LastIndexOf('.')])
        {
            if (declared.GetValueOrDefault(scope)?.Contains(parts[0]) == true)
            {
                return scope;
            }

            string nested = scope + "." + parts[0];
            if (graph.ContainsKey(nested) && parts.Length > 1
                && (declared.GetValueOrDefault(nested)?.Contains(parts[1]) == true || graph.ContainsKey(nested + "." + parts[1])))
            {
                return LongestNamespace(graph, scope + "." + string.Join('.', parts));
            }
        }

        return null;
    }

    /// <summary>The code, without comments except the names in their crefs.</summary>
    private static string WithoutComments(string text) =>
        LineComment().Replace(text, m => string.Join(' ', CrefTarget().Matches(m.Value).Select(c => c.Groups[1].Value)));

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

    // "class X", "record struct X", "enum X" … at any nesting; a nested type's name resolves within its outer type only,
    // but counting it for the namespace errs on the side of an edge.
    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record)\s+(?!class\b|struct\b)([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    // A name not preceded by "." (a member access) or a word character: "SourceImage", "Tiff.TiffTag".
    [GeneratedRegex(@"(?<![\w.])[A-Z]\w*(?:\.[A-Z]\w*)*")]
    private static partial Regex UnqualifiedName();

    [GeneratedRegex(@"//.*$", RegexOptions.Multiline)]
    private static partial Regex LineComment();

    [GeneratedRegex(@"cref=""([^""]*)""")]
    private static partial Regex CrefTarget();
}
