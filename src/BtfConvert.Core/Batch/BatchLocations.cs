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
