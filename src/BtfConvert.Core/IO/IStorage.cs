namespace BtfConvert.Core.IO;

/// <summary>
/// Resolves locations (local paths, s3:// URIs) to sources and sinks. Core ships the local implementation;
/// BtfConvert.Aws adds S3. The CLI composes them with <see cref="StorageRouter"/>.
/// </summary>
public interface IStorage
{
    /// <summary>True if this storage understands <paramref name="location"/> (e.g. starts with s3://).</summary>
    bool CanHandle(string location);

    Task<IByteSource> OpenReadAsync(string location, CancellationToken cancellationToken);

    /// <summary>Creates a sink. Throws <see cref="OutputExistsException"/> if the output exists and overwrite is off.</summary>
    Task<IByteSink> CreateAsync(string location, SinkOptions options, CancellationToken cancellationToken);

    /// <summary>Size, ETag and user metadata of an existing object or file; null if there is none.</summary>
    Task<StorageObjectInfo?> GetInfoAsync(string location, CancellationToken cancellationToken);

    /// <summary>Every object or file below <paramref name="prefix"/>, recursively.</summary>
    IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="ListAsync(string, CancellationToken)"/>, but a storage that pays for each object it describes
    /// (a local stat, which a name that is not UTF-8 or a dangling link fails) may leave out at once what
    /// <paramref name="wanted"/> rejects. A hint: callers still select from what comes back.
    /// </summary>
    IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, Func<string, bool> wanted, CancellationToken cancellationToken) =>
        ListAsync(prefix, cancellationToken);
}

/// <param name="Overwrite">Replace an existing output instead of refusing.</param>
/// <param name="Metadata">User metadata recorded with the output (S3 x-amz-meta-*, or a local sidecar).</param>
public sealed record SinkOptions(bool Overwrite, IReadOnlyDictionary<string, string> Metadata)
{
    public static SinkOptions Default { get; } = new(false, new Dictionary<string, string>());
    public string ContentType { get; init; } = "image/tiff";

    /// <summary>Create missing parent directories of a local output (batch outputs mirror the source tree); object stores ignore it.</summary>
    public bool CreateParentDirectories { get; init; }
}

/// <param name="Location">Full location (path or s3:// URI).</param>
/// <param name="ETag">Entity tag (S3) or a size+mtime fingerprint (local files); used to detect changed sources.</param>
public sealed record StorageObjectInfo(
    string Location,
    long Length,
    string? ETag,
    DateTimeOffset? LastModified,
    IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>
    /// Set when the listing found something it cannot describe as a readable object (a folder it may not read, a
    /// name it cannot represent, a dangling link): a batch warns, or fails the input, instead of stopping.
    /// </summary>
    public ListingIssue? Issue { get; init; }
}

/// <summary>What a listing could not describe, and why (one line that starts with the location).</summary>
public sealed record ListingIssue(ListingIssueKind Kind, string Message);

public enum ListingIssueKind
{
    /// <summary>A folder below the root that cannot be read or opened: its files were not listed.</summary>
    UnreadableFolder,

    /// <summary>A file whose name is not valid UTF-8: .NET cannot name it, so it cannot be opened.</summary>
    UnrepresentableName,

    /// <summary>A symbolic link whose target does not exist (a loop of links is listed, and fails as an input).</summary>
    DanglingLink,
}
