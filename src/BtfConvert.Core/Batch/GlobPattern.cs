using System.Text;
using System.Text.RegularExpressions;

namespace BtfConvert.Core.Batch;

/// <summary>
/// A glob matched against a path relative to the batch source, always with '/' separators (S3 keys and local
/// paths alike). Rules, as documented in docs/operations.md:
/// <list type="bullet">
/// <item>A pattern without '/' matches the file name at any depth: <c>*.btf</c> selects <c>a/b/c.btf</c>.</item>
/// <item>A pattern with '/' is anchored at the source root (a leading '/' is ignored): <c>2024/*.btf</c>.</item>
/// <item><c>*</c> is any run of characters within one path segment, <c>?</c> one character, <c>[abc]</c>,
/// <c>[a-z]</c>, <c>[!a]</c> a character class; <c>**</c> as a whole segment is zero or more segments.</item>
/// <item>A pattern ending in '/' selects everything below that folder: <c>tmp/</c> = <c>tmp/**</c>.</item>
/// <item>Matching ignores case (scanners write .btf and .BTF).</item>
/// </list>
/// Written here rather than taken from Microsoft.Extensions.FileSystemGlobbing because that library walks
/// directories and anchors every pattern at the root, while we match S3 keys and want name-only patterns to
/// apply at any depth (gitignore style). Compiled with a non-backtracking regex, so no pattern can blow up.
/// </summary>
internal sealed class GlobPattern
{
    private readonly Regex _regex;

    public GlobPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        Pattern = pattern;
        _regex = new Regex(ToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }

    public string Pattern { get; }

    public bool IsMatch(string relativePath) => _regex.IsMatch(relativePath);

    public override string ToString() => Pattern;

    internal static string ToRegex(string pattern)
    {
        string p = pattern.Replace('\\', '/');
        bool anchored = p.Contains('/', StringComparison.Ordinal) && !(p.EndsWith('/') && p.IndexOf('/') == p.Length - 1);
        p = p.TrimStart('/');
        if (p.EndsWith('/'))
        {
            p += "**";
        }

        var regex = new StringBuilder("^");
        if (!anchored)
        {
            regex.Append("(?:.*/)?");
        }

        for (int i = 0; i < p.Length; i++)
        {
            char c = p[i];
            bool segmentStart = i == 0 || p[i - 1] == '/';
            if (c == '*' && i + 1 < p.Length && p[i + 1] == '*' && segmentStart && (i + 2 == p.Length || p[i + 2] == '/'))
            {
                // "**" as a whole segment: any number of segments, including none.
                if (i + 2 == p.Length)
                {
                    regex.Append(".*");
                    i++;
                }
                else
                {
                    regex.Append("(?:[^/]*/)*");
                    i += 2;
                }
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
                while (i + 1 < p.Length && p[i + 1] == '*')
                {
                    i++;
                }
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[' && TryParseClass(p, i, out string cls, out int end))
            {
                regex.Append(cls);
                i = end;
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.Append('$').ToString();
    }

    private static bool TryParseClass(string p, int start, out string cls, out int end)
    {
        var sb = new StringBuilder("[");
        int i = start + 1;
        if (i < p.Length && p[i] is '!' or '^')
        {
            sb.Append('^');
            i++;
        }

        int first = i;
        for (; i < p.Length; i++)
        {
            char c = p[i];
            if (c == ']' && i > first)
            {
                // A class never matches the separator, even when negated.
                cls = sb.Append(sb[1] == '^' ? "/]" : "]").ToString();
                end = i;
                return true;
            }

            if (c == '/')
            {
                break;
            }

            sb.Append(c is '\\' or '[' or ']' or '^' ? "\\" + c : c.ToString());
        }

        cls = string.Empty;
        end = start;
        return false;
    }
}
