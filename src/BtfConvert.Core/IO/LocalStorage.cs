using System.Globalization;
using System.Runtime.CompilerServices;

namespace BtfConvert.Core.IO;

/// <summary>Local paths. Handles everything that is not a URI with a scheme (so it goes last in a router).</summary>
public sealed class LocalStorage : IStorage
{
    public bool CanHandle(string location) => !location.Contains("://", StringComparison.Ordinal);

    public Task<IByteSource> OpenReadAsync(string location, CancellationToken cancellationToken) =>
        Task.FromResult<IByteSource>(LocalFileSource.Open(location));

    public Task<IByteSink> CreateAsync(string location, SinkOptions options, CancellationToken cancellationToken)
    {
        if (!options.Overwrite && File.Exists(location))
        {
            throw new OutputExistsException($"{location}: output exists (use --overwrite to replace it)");
        }

        if (options.CreateParentDirectories && Path.GetDirectoryName(Path.GetFullPath(location)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        LocalFileSink.CleanStaleTemporaries(location);
        LocalFileSink.CleanStaleTemporaries(LocalOutputRecord.SidecarPath(location));
        return Task.FromResult<IByteSink>(new LocalFileSink(location, options.Overwrite, options.Metadata));
    }

    public Task<StorageObjectInfo?> GetInfoAsync(string location, CancellationToken cancellationToken)
    {
        var info = new FileInfo(location);
        if (!info.Exists)
        {
            return Task.FromResult<StorageObjectInfo?>(null);
        }

        var described = Describe(info);
        return Task.FromResult<StorageObjectInfo?>(described with { Metadata = LocalOutputRecord.Read(info, described.ETag ?? string.Empty) });
    }

    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (!Directory.Exists(prefix))
        {
            throw new DirectoryNotFoundException($"{prefix}: no such directory");
        }

        foreach (var path in Directory.EnumerateFiles(prefix, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            // Our sidecars and temporaries are bookkeeping, not objects of the user's.
            if (LocalOutputRecord.IsBookkeepingFile(path))
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            yield return Describe(new FileInfo(path));
        }
    }

    /// <summary>Local files have no ETag; size and modification time stand in for one.</summary>
    public static StorageObjectInfo Describe(FileInfo info) => new(
        info.FullName,
        info.Length,
        string.Create(CultureInfo.InvariantCulture, $"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}"),
        info.LastWriteTimeUtc,
        new Dictionary<string, string>());
}
