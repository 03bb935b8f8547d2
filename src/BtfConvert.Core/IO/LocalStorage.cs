using System.Globalization;
using System.Runtime.CompilerServices;
using BtfConvert.Core.Record;

namespace BtfConvert.Core.IO;

/// <summary>Local paths. Handles everything that is not a URI with a scheme (so it goes last in a router).</summary>
public sealed class LocalStorage : IStorage
{
    public bool CanHandle(string location) => !StorageLocation.IsRemote(location);

    public Task<IByteSource> OpenReadAsync(string location, CancellationToken cancellationToken) =>
        Task.FromResult<IByteSource>(LocalFileSource.Open(location));

    public Task<IByteSink> CreateAsync(string location, SinkOptions options, CancellationToken cancellationToken)
    {
        if (!options.Overwrite && File.Exists(location))
        {
            throw OutputExistsException.For(location);
        }

        if (options.CreateParentDirectories && Path.GetDirectoryName(Path.GetFullPath(location)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        LocalFileSink.CleanStaleTemporaries(location);
        LocalFileSink.CleanStaleTemporaries(LocalOutputRecord.SidecarPath(location));
        // The record travels inside the output (an XMP packet in its head), so options.Metadata needs no file of its own.
        return Task.FromResult<IByteSink>(new LocalFileSink(location, options.Overwrite));
    }

    public Task<StorageObjectInfo?> GetInfoAsync(string location, CancellationToken cancellationToken)
    {
        var info = new FileInfo(location);
        if (!LocalFileType.RequireRegularFileIfExists(location) || !info.Exists)
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

        foreach (var path in WalkFiles(prefix, cancellationToken))
        {
            // Our temporaries (and the record sidecars of earlier versions) are bookkeeping, not objects of the user's.
            if (IsBookkeepingFile(path))
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            yield return Describe(new FileInfo(path));
        }
    }

    /// <summary>
    /// Every file below <paramref name="root"/>, each directory's files in ordinal order before its subdirectories.
    /// Symbolic links to directories are not followed (a link to a parent would list the tree until the kernel's
    /// link limit, two links reaching each other without end) and directories that cannot be read are passed over
    /// (a root-owned lost+found must not stop a nightly batch). Links to files are listed like files.
    /// </summary>
    /// <summary>True for the sink's temporaries and the record sidecars of earlier versions.</summary>
    private static bool IsBookkeepingFile(string path)
    {
        string name = Path.GetFileName(path);
        return LocalOutputRecord.IsSidecar(path)
            || (name.StartsWith(LocalFileSink.TempPrefix, StringComparison.Ordinal) && name.EndsWith(LocalFileSink.TempSuffix, StringComparison.Ordinal));
    }

    private static IEnumerable<string> WalkFiles(string root, CancellationToken cancellationToken)
    {
        var options = new EnumerationOptions { IgnoreInaccessible = true, RecurseSubdirectories = false, AttributesToSkip = 0 };
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string directory = pending.Pop();
            foreach (var file in Directory.EnumerateFiles(directory, "*", options).Order(StringComparer.Ordinal))
            {
                yield return file;
            }

            var subdirectories = Directory.EnumerateDirectories(directory, "*", options)
                .Where(d => new DirectoryInfo(d).LinkTarget is null)
                .Order(StringComparer.Ordinal)
                .ToList();
            for (int i = subdirectories.Count - 1; i >= 0; i--)
            {
                pending.Push(subdirectories[i]);
            }
        }
    }

    /// <summary>Local files have no ETag; size and modification time stand in for one.</summary>
    public static StorageObjectInfo Describe(FileInfo info) => new(
        info.FullName,
        info.Length,
        Fingerprint(info.Length, info.LastWriteTimeUtc),
        info.LastWriteTimeUtc,
        new Dictionary<string, string>());

    /// <summary>The stand-in ETag of a local file: its size and modification time.</summary>
    internal static string Fingerprint(long length, DateTime lastWriteUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{length:x}-{lastWriteUtc.Ticks:x}");
}
