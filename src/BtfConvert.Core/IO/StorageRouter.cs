namespace BtfConvert.Core.IO;

/// <summary>Sends each location to the first storage that can handle it (local files last, as the catch-all).</summary>
public sealed class StorageRouter(IEnumerable<IStorage> storages) : IStorage
{
    private readonly IStorage[] _storages = storages.ToArray();

    public bool CanHandle(string location) => _storages.Any(s => s.CanHandle(location));

    public IStorage Resolve(string location) =>
        _storages.FirstOrDefault(s => s.CanHandle(location))
        ?? throw new NotSupportedException($"{location}: no storage handles this location");

    public Task<IByteSource> OpenReadAsync(string location, CancellationToken cancellationToken) =>
        Resolve(location).OpenReadAsync(location, cancellationToken);

    public Task<IByteSink> CreateAsync(string location, SinkOptions options, CancellationToken cancellationToken) =>
        Resolve(location).CreateAsync(location, options, cancellationToken);

    public Task<StorageObjectInfo?> GetInfoAsync(string location, CancellationToken cancellationToken) =>
        Resolve(location).GetInfoAsync(location, cancellationToken);

    public IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) =>
        Resolve(prefix).ListAsync(prefix, cancellationToken);
}
