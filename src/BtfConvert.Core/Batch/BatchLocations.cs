using BtfConvert.Core.IO;

namespace BtfConvert.Core.Batch;

/// <summary>
/// Pure string work on batch roots: local directories or object-store prefixes (anything with "://").
/// Relative paths always use '/' so the same glob and the same output key work for both.
/// </summary>
internal static class BatchLocations
{
    /// <summary>
    /// A prefix always ends in '/', so <c>s3://b/scans</c> does not also list <c>s3://b/scans-old/...</c>;
    /// a local directory becomes a full path without a trailing separator.
    /// </summary>
    public static string NormalizeRoot(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (StorageLocation.IsRemote(root))
        {
            return root.EndsWith('/') ? root : root + "/";
        }

        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    public static bool IsRemoteRoot(string root) => StorageLocation.IsRemote(root);

    /// <summary>
    /// A full local path with every symbolic link in it resolved, as far as it exists (the rest is appended as it
    /// is): the same folder reached through a link is the same folder.
    /// </summary>
    public static string ResolveLinks(string fullPath)
    {
        string existing = Path.TrimEndingDirectorySeparator(Path.GetFullPath(fullPath));
        var missing = new Stack<string>();
        while (!Path.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            missing.Push(Path.GetFileName(existing));
            existing = parent;
        }

        string resolved = ResolveExisting(existing);
        return missing.Aggregate(resolved, Path.Combine);
    }

    /// <summary>Like realpath(3) for an existing path: each component that is a link replaced by its target, 40 links at most (ELOOP).</summary>
    private static string ResolveExisting(string fullPath)
    {
        string root = Path.GetPathRoot(fullPath) ?? "/";
        var pending = new Stack<string>(fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        string current = root;
        for (int links = 0; pending.Count > 0;)
        {
            string next = Path.Combine(current, pending.Pop());
            string? target = File.ResolveLinkTarget(next, returnFinalTarget: false)?.FullName;
            if (target is null || ++links > 40)
            {
                current = next;
                continue;
            }

            // The target may hold links itself: walk it again from its own root.
            string full = Path.GetFullPath(target, current);
            foreach (var part in full[(Path.GetPathRoot(full) ?? "/").Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(part);
            }

            current = Path.GetPathRoot(full) ?? "/";
        }

        return current;
    }

    /// <summary>The part of <paramref name="location"/> below <paramref name="root"/> (both normalized), with '/'.</summary>
    public static string RelativePath(string root, string location)
    {
        if (StorageLocation.IsRemote(root))
        {
            if (!location.StartsWith(root, StringComparison.Ordinal))
            {
                throw new ArgumentException($"{location}: not below {root}");
            }

            return location[root.Length..];
        }

        string relative = Path.GetRelativePath(root, location);
        return Path.DirectorySeparatorChar == '/' ? relative : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>True if <paramref name="location"/> is <paramref name="root"/> itself or below it.</summary>
    public static bool IsUnder(string root, string location)
    {
        if (StorageLocation.IsRemote(root) != StorageLocation.IsRemote(location))
        {
            return false;
        }

        if (StorageLocation.IsRemote(root))
        {
            return location.StartsWith(root, StringComparison.Ordinal);
        }

        string full = Path.GetFullPath(location);
        return string.Equals(full, root, StringComparison.Ordinal)
            || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || (root.EndsWith(Path.DirectorySeparatorChar) && full.StartsWith(root, StringComparison.Ordinal));
    }

    /// <summary>
    /// The output for <paramref name="relativePath"/>: the same relative path under <paramref name="destinationRoot"/>
    /// with the file extension replaced by <paramref name="suffix"/> (appended when there is none).
    /// </summary>
    public static string Destination(string destinationRoot, string relativePath, string suffix)
    {
        int slash = relativePath.LastIndexOf('/');
        int dot = relativePath.LastIndexOf('.');
        string stem = dot > slash + 1 ? relativePath[..dot] : relativePath;
        string mapped = stem + suffix;
        if (StorageLocation.IsRemote(destinationRoot))
        {
            return destinationRoot + mapped;
        }

        return Path.Combine(destinationRoot, Path.DirectorySeparatorChar == '/' ? mapped : mapped.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>
    /// Why a relative path cannot be written under a local directory (it would escape it), or null if it can.
    /// Object keys may hold "..", "." or empty segments; a local destination must not follow them out of its root.
    /// </summary>
    public static string? UnsafeForLocal(string relativePath)
    {
        if (relativePath.StartsWith('/') || Path.IsPathRooted(relativePath))
        {
            return "the key is an absolute path";
        }

        foreach (var segment in relativePath.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return $"the key has a '{segment}' path segment that cannot be mapped to a local file";
            }
        }

        return null;
    }
}
