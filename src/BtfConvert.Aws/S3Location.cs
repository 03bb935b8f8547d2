using BtfConvert.Core;
using System.Diagnostics.CodeAnalysis;

namespace BtfConvert.Aws;

/// <summary>An <c>s3://bucket/key</c> location. The key may be empty or end in '/' only for prefixes (listing).</summary>
public readonly record struct S3Location(string Bucket, string Key)
{
    public const string Scheme = "s3://";

    public static bool IsS3Uri(string location) => location.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a location naming one object (non-empty key that is not a "folder").</summary>
    public static S3Location ParseObject(string uri)
    {
        var location = ParsePrefix(uri);
        if (location.Key.Length == 0 || location.Key.EndsWith('/'))
        {
            throw new UsageException($"{uri}: not an S3 object URI (expected s3://bucket/key with a key naming one object)");
        }

        return location;
    }

    /// <summary>Parses a bucket with an optional key prefix (<c>s3://bucket</c>, <c>s3://bucket/dir/</c>).</summary>
    public static S3Location ParsePrefix(string uri)
    {
        if (!TryParse(uri, out var location, out string? problem))
        {
            throw new UsageException($"{uri}: {problem}");
        }

        return location;
    }

    public static bool TryParse(string uri, out S3Location location, [NotNullWhen(false)] out string? problem)
    {
        location = default;
        ArgumentNullException.ThrowIfNull(uri);
        if (!IsS3Uri(uri))
        {
            problem = "not an S3 URI (expected s3://bucket/key)";
            return false;
        }

        string rest = uri[Scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string bucket = slash < 0 ? rest : rest[..slash];
        string key = slash < 0 ? string.Empty : rest[(slash + 1)..];
        if (bucket.Length == 0)
        {
            problem = "the S3 URI has no bucket name (expected s3://bucket/key)";
            return false;
        }

        // Deliberately looser than AWS's naming rules: OCI, Ceph and MinIO accept names AWS does not (upper case,
        // underscores); only what can never be a bucket name is refused here, the store judges the rest.
        if (bucket.Length > 255 || bucket.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '?' or '#' or '\\'))
        {
            problem = $"'{bucket}' is not a valid bucket name";
            return false;
        }

        if (key.Any(char.IsControl))
        {
            problem = "the S3 key contains control characters";
            return false;
        }

        location = new S3Location(bucket, key);
        problem = null;
        return true;
    }

    public override string ToString() => $"{Scheme}{Bucket}/{Key}";
}
