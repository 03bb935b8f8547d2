using System.Globalization;
using System.IO.Enumeration;
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
        if (LocalFileSink.Refuses(location, options.Overwrite))
        {
            throw OutputExistsException.For(location);
        }

        if (options.CreateParentDirectories && Path.GetDirectoryName(Path.GetFullPath(location)) is { } directory)
        {
            CreateOutputFolder(location, directory);
        }

        LocalFileSink.CleanStaleTemporaries(location);
        LocalFileSink.CleanStaleTemporaries(LocalOutputRecord.SidecarPath(location));
        // The record travels inside the output (an XMP packet in its head), so options.Metadata needs no file of its own.
        return Task.FromResult<IByteSink>(new LocalFileSink(location, options.Overwrite));
    }

    /// <summary>Creates the folders an output goes in; a failure is one line that starts with the output.</summary>
    private static void CreateOutputFolder(string output, string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = FileInTheWay(directory) is { } file ? $"{file} is a file, not a folder" : Reason(e);
            throw new StorageException($"{output}: cannot create its folder {directory}: {why}", e);
        }
    }

    /// <summary>
    /// The file (or device, socket…) that stands where <paramref name="path"/> or one of its parent folders should be,
    /// or null: "DST/a/x.tiff" cannot be written when DST/a is a regular file, and the OS only says "not a directory".
    /// </summary>
    public static string? FileInTheWay(string path)
    {
        for (string? current = Path.GetFullPath(path); current is not null; current = Path.GetDirectoryName(current))
        {
            if (Directory.Exists(current))
            {
                return null;
            }

            if (Path.Exists(current))
            {
                return current;
            }
        }

        return null;
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

    public IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken) =>
        ListAsync(prefix, static _ => true, cancellationToken);

    /// <summary>
    /// Every file below <paramref name="prefix"/>, each directory's files in ordinal order before its subdirectories.
    /// Names come from the directory entries alone (no stat), so a file is examined only once
    /// <paramref name="wanted"/> takes it: an unreadable or odd file that no glob selects costs nothing and stops
    /// nothing. What cannot be described comes back with a <see cref="ListingIssue"/> instead of an exception:
    /// folders that cannot be read, names that are not UTF-8, links to nothing.
    /// <para>
    /// Symbolic links to directories are not followed (a link to a parent would list the tree until the kernel's link
    /// limit, two links reaching each other without end). A link to a file is listed at the link's path but described
    /// by its target (size and modification time), as the conversion reads and records it; otherwise every run would
    /// see "the source changed".
    /// </para>
    /// </summary>
    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, Func<string, bool> wanted,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (!Directory.Exists(prefix))
        {
            throw Path.Exists(prefix)
                ? new StorageException($"{prefix}: is a file, not a folder")
                : new DirectoryNotFoundException($"{prefix}: no such directory");
        }

        string root = Path.GetFullPath(prefix);
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string directory = pending.Pop();
            var entries = ReadDirectory(directory, isRoot: directory == root, out var unreadable);
            if (unreadable is not null)
            {
                yield return Problem(directory, ListingIssueKind.UnreadableFolder, unreadable);
                continue;
            }

            foreach (var entry in entries.Where(e => !e.IsDirectory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (DescribeListed(entry, wanted) is { } described)
                {
                    yield return described;
                }
            }

            var subdirectories = new List<string>();
            foreach (var entry in entries.Where(e => e.IsDirectory))
            {
                if (IsUnrepresentable(entry))
                {
                    yield return Problem(entry.Path, ListingIssueKind.UnreadableFolder,
                        $"{entry.Path}: the folder name is not valid UTF-8 ({UnrepresentableHint}); its files were not listed");
                }
                else if (new DirectoryInfo(entry.Path).LinkTarget is null)
                {
                    subdirectories.Add(entry.Path);
                }
            }

            for (int i = subdirectories.Count - 1; i >= 0; i--)
            {
                pending.Push(subdirectories[i]);
            }
        }
    }

    /// <summary>True for the sink's temporaries and the record sidecars of earlier versions.</summary>
    private static bool IsBookkeepingFile(string path)
    {
        string name = Path.GetFileName(path);
        return LocalOutputRecord.IsSidecar(path)
            || (name.StartsWith(LocalFileSink.TempPrefix, StringComparison.Ordinal) && name.EndsWith(LocalFileSink.TempSuffix, StringComparison.Ordinal));
    }

    /// <summary>What a name that is not UTF-8 looks like here, and what to do about it.</summary>
    internal const string UnrepresentableHint = "each byte that is not shows as \uFFFD; rename it, e.g. convmv -f latin1 -t utf8 --notest";

    private readonly record struct Entry(string Path, bool IsDirectory);

    /// <summary>
    /// One directory's entries, sorted, from readdir alone: the directory flag comes from the entry's type (a stat
    /// only for links and file systems that do not say). Null with <paramref name="error"/> if it cannot be read.
    /// </summary>
    private static List<Entry> ReadDirectory(string directory, bool isRoot, out string? error)
    {
        error = null;
        var options = new EnumerationOptions { IgnoreInaccessible = false, RecurseSubdirectories = false, AttributesToSkip = 0 };
        try
        {
            return new FileSystemEnumerable<Entry>(directory, (ref FileSystemEntry e) => new Entry(e.ToFullPath(), e.IsDirectory), options)
                .OrderBy(e => e.Path, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (!isRoot && e is UnauthorizedAccessException or IOException)
        {
            // A root-owned lost+found, a folder with wrong permissions: its files are not listed, and the run says so.
            error = $"{directory}: the folder cannot be read ({Reason(e)}); its files were not listed";
            return [];
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new StorageException($"{directory}: the folder cannot be read ({Reason(e)})", e);
        }
    }

    /// <summary>The listed file described, a problem to report, or null if it is not wanted (or vanished meanwhile).</summary>
    private static StorageObjectInfo? DescribeListed(Entry entry, Func<string, bool> wanted)
    {
        if (IsUnrepresentable(entry))
        {
            return Problem(entry.Path, ListingIssueKind.UnrepresentableName,
                $"{entry.Path}: the file name is not valid UTF-8 ({UnrepresentableHint})");
        }

        // Our temporaries (and the record sidecars of earlier versions) are bookkeeping, not objects of the user's.
        if (IsBookkeepingFile(entry.Path) || !wanted(entry.Path))
        {
            return null;
        }

        var info = new FileInfo(entry.Path);
        try
        {
            if (info.LinkTarget is { } linkTarget)
            {
                return info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target
                    ? Describe(target) with { Location = info.FullName }
                    : Problem(entry.Path, ListingIssueKind.DanglingLink, $"{entry.Path}: symbolic link to {linkTarget}, which does not exist; passed over");
            }

            return info.Exists ? Describe(info) : null;
        }
        catch (IOException) when (info.LinkTarget is not null)
        {
            // A loop of links: listed as what it is, so the input fails with "is a symbolic link loop" (LocalFileType).
            return Describe(info);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// .NET decodes names as UTF-8 and puts U+FFFD where bytes are not; the resulting path names no file. (A valid
    /// name may hold U+FFFD itself, so only a name that then cannot be found counts.)
    /// </summary>
    private static bool IsUnrepresentable(Entry entry) =>
        Path.GetFileName(entry.Path).Contains('\uFFFD', StringComparison.Ordinal) && !Path.Exists(entry.Path) && !IsLink(entry.Path);

    private static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static StorageObjectInfo Problem(string location, ListingIssueKind kind, string message) =>
        new(location, 0, null, null, new Dictionary<string, string>()) { Issue = new ListingIssue(kind, message) };

    /// <summary>Why an operation on a path failed, in the OS's words, without the path (our lines name it first).</summary>
    internal static string Reason(Exception e) => e is UnauthorizedAccessException ? "permission denied" : OsMessage(e);

    /// <summary>The OS's words without the path .NET appends (" : '/the/path'"); our lines name the path first.</summary>
    internal static string OsMessage(Exception e)
    {
        string message = e.Message;
        int quoted = message.IndexOf(" : '", StringComparison.Ordinal);
        return quoted > 0 ? message[..quoted] : message.TrimEnd('.');
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
