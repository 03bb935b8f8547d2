namespace BtfConvert.Core.IO;

/// <summary>Sends each location to the first storage that can handle it (local files last, as the catch-all).</summary>
public sealed class StorageRouter(IEnumerable<IStorage> storages) : IStorage
{
    private readonly IStorage[] _storages = storages.ToArray();

    public bool CanHandle(string location) => _storages.Any(s => s.CanHandle(location));

    public IStorage Resolve(string location)
    {
        RejectMistypedS3(location);
        return _storages.FirstOrDefault(s => s.CanHandle(location))
            ?? throw new NotSupportedException($"{location}: no storage handles this location");
    }

    public Task<IByteSource> OpenReadAsync(string location, CancellationToken cancellationToken) =>
        Resolve(location).OpenReadAsync(location, cancellationToken);

    public Task<IByteSink> CreateAsync(string location, SinkOptions options, CancellationToken cancellationToken) =>
        Resolve(location).CreateAsync(location, options, cancellationToken);

    public Task<StorageObjectInfo?> GetInfoAsync(string location, CancellationToken cancellationToken) =>
        Resolve(location).GetInfoAsync(location, cancellationToken);

    public IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) =>
        Resolve(prefix).ListAsync(prefix, cancellationToken);

    public IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, Func<string, bool> wanted, CancellationToken cancellationToken) =>
        Resolve(prefix).ListAsync(prefix, wanted, cancellationToken);

    /// <summary>"s3:/bucket/key" or "s3:bucket/key" is a typo, not a local path: a batch would create that directory and write there.</summary>
    /// <exception cref="UsageException">The location starts like an S3 URI but is not one.</exception>
    public static void RejectMistypedS3(string location)
    {
        if (location.StartsWith("s3:", StringComparison.OrdinalIgnoreCase) && !location.StartsWith("s3://", StringComparison.Ordinal))
        {
            throw new UsageException($"{location}: not an S3 URI (expected s3://bucket/key)");
        }
    }
}
