using System.IO.Enumeration;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using BtfConvert.Core.Record;

namespace BtfConvert.Core.IO;

/// <summary>
/// Writes to a hidden temporary file beside the destination (same file system, so the final rename is atomic),
/// reserves the head, streams the body, writes the head last, fsyncs, then renames. A crash leaves only a
/// ".btfconvert-*.tmp" file, never a partial file at the final name; <see cref="CleanStaleTemporaries"/> removes
/// leftovers of killed runs.
/// </summary>
internal sealed class LocalFileSink : IByteSink
{
    public const string TempPrefix = ".btfconvert-";
    public const string TempSuffix = ".tmp";

    private readonly string _path;
    private readonly bool _overwrite;
    private readonly string _tempPath;
    private FileStream? _stream;
    private bool _committed;
    private int _headLength;

    public LocalFileSink(string path, bool overwrite)
    {
        _path = Path.GetFullPath(path);
        Name = path;
        _overwrite = overwrite;
        string directory = Path.GetDirectoryName(_path) ?? ".";
        _tempPath = Path.Combine(directory, $"{TempPrefix}{TemporaryStem(Path.GetFileName(_path))}.{Environment.ProcessId}-{Guid.NewGuid():N}{TempSuffix}");
    }

    public string Name { get; }
    public long Position { get; private set; }

    /// <summary>Where the bytes go until the commit (for tests that check nothing is left).</summary>
    public string TemporaryPath => _tempPath;

    public ValueTask OpenAsync(int headLength, long estimatedLength, CancellationToken cancellationToken)
    {
        if (Refuses(_path, _overwrite))
        {
            throw OutputExistsException.For(Name);
        }

        string? directory = Path.GetDirectoryName(_path);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw LocalStorage.FileInTheWay(directory) is { } file
                ? new StorageException($"{Name}: cannot be written: {file} is a file, not a folder")
                : new DirectoryNotFoundException($"{Name}: the output directory {directory} does not exist");
        }

        try
        {
            _stream = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
            InterruptedExit.Track(_tempPath);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageException($"{Name}: permission denied writing to {directory}", e);
        }
        catch (IOException e)
        {
            // Read-only or full file system, a directory that vanished, a pseudo file system: always the output's
            // fault, never the input's (a FileNotFoundException here must not read as "bad input").
            throw new StorageException($"{Name}: cannot create the output: {LocalStorage.OsMessage(e)}", e);
        }

        _headLength = headLength;
        _stream.Position = headLength;
        Position = headLength;
        return ValueTask.CompletedTask;
    }

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw IByteSink.NotOpened();
        try
        {
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException))
        {
            throw Named(e);
        }

        Position += data.Length;
    }

    /// <summary>
    /// The OS message names the hidden temporary ("No space left on device : '/dir/.btfconvert-x.tmp'"); the user
    /// needs the output they asked for first.
    /// </summary>
    private IOException Named(IOException e) => new($"{Name}: {e.Message}", e);

    public async ValueTask CommitAsync(ReadOnlyMemory<byte> head, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw IByteSink.NotOpened();
        IByteSink.RequireReservedLength(head, _headLength);

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Position = 0;
            await stream.WriteAsync(head, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException))
        {
            throw Named(e);
        }

        await stream.DisposeAsync().ConfigureAwait(false);
        _stream = null;
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            File.Move(_tempPath, _path, _overwrite);
        }
        catch (IOException) when (Refuses(_path, _overwrite))
        {
            throw OutputExistsException.AppearedWhileConverting(Name);
        }
        catch (IOException e)
        {
            throw new StorageException($"{Name}: could not move the finished output into place: {e.Message}", e);
        }

        _committed = true;
        InterruptedExit.Untrack(_tempPath);
        // The record is inside the output now; a sidecar of an earlier version describes the file just replaced.
        LocalOutputRecord.Delete(_path);
        SyncDirectory(Path.GetDirectoryName(_path));
    }

    public async ValueTask AbortAsync()
    {
        if (_stream is { } stream)
        {
            _stream = null;
            try
            {
                // Disposing flushes the write buffer, which fails again on a full disk; the handle is closed
                // regardless, and the temporary must still go.
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
            }
        }

        if (!_committed)
        {
            TryDelete(_tempPath);
            InterruptedExit.Untrack(_tempPath);
        }
    }

    public ValueTask DisposeAsync() => AbortAsync();

    /// <summary>An output at <paramref name="path"/> stands in the way: it exists and <paramref name="overwrite"/> is off.</summary>
    public static bool Refuses(string path, bool overwrite) => !overwrite && File.Exists(path);

    /// <summary>Longest file name Linux file systems take (NAME_MAX: ext4, XFS, Btrfs, tmpfs), in bytes.</summary>
    internal const int MaxNameBytes = 255;

    /// <summary>Bytes a temporary's name adds to its stem: ".btfconvert-", ".", a PID of up to 10 digits, "-", 32 hex digits, ".tmp".</summary>
    private const int TemporaryOverhead = 12 + 1 + 10 + 1 + 32 + 4;

    private const int StemHashDigits = 16;

    /// <summary>Our temporaries' names: <c>.btfconvert-STEM.PID-GUID.tmp</c>; nothing else is ever removed.</summary>
    private static readonly Regex TemporaryName = new(@"^\.btfconvert-(?<stem>.+)\.(?<pid>[0-9]{1,10})-[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant);

    /// <summary>
    /// The output's name as its temporary carries it: whole if the temporary's name then fits in
    /// <see cref="MaxNameBytes"/>, else its start and a hash of the whole name, so an output name of up to 255 bytes
    /// (which the file system accepts) never fails with "path too long" because of the ~60 bytes a temporary adds.
    /// </summary>
    internal static string TemporaryStem(string fileName)
    {
        int budget = MaxNameBytes - TemporaryOverhead;
        if (System.Text.Encoding.UTF8.GetByteCount(fileName) <= budget)
        {
            return fileName;
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fileName)))[..StemHashDigits];
        int end = 0, bytes = 0, room = budget - 1 - StemHashDigits;
        while (end < fileName.Length)
        {
            int length = char.IsSurrogatePair(fileName, end) ? 2 : 1;
            int more = System.Text.Encoding.UTF8.GetByteCount(fileName.AsSpan(end, length));
            if (bytes + more > room)
            {
                break;
            }

            bytes += more;
            end += length;
        }

        return $"{fileName[..end]}~{hash}";
    }

    /// <summary>Deletes temporaries of earlier runs for <paramref name="path"/> whose process is gone.</summary>
    public static int CleanStaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            return 0;
        }

        string stem = TemporaryStem(Path.GetFileName(full));
        int removed = 0;
        foreach (var temp in Directory.EnumerateFiles(directory, $"{TempPrefix}*{TempSuffix}"))
        {
            if (TemporaryName.Match(Path.GetFileName(temp)) is { Success: true } name && name.Groups["stem"].Value == stem
                && IsLeftByDeadProcess(name))
            {
                removed += TryDelete(temp) ? 1 : 0;
            }
        }

        return removed;
    }

    /// <summary>
    /// Deletes the temporaries anywhere below <paramref name="root"/> left by processes that are gone (a SIGKILL, a
    /// power cut) and not written to for <paramref name="minimumAge"/>: when their output is never written again (the
    /// source was moved or deleted) nothing else ever would, and they hide gigabytes from listings. The age spares
    /// a conversion running on another machine that shares the folder (NFS), whose PID means nothing here: a live
    /// conversion writes its temporary every few seconds. Only names of <see cref="TemporaryName"/>'s form are touched.
    /// </summary>
    /// <returns>How many were removed and their bytes.</returns>
    public static (int Count, long Bytes) RemoveStaleTemporariesBelow(string root, TimeSpan minimumAge)
    {
        if (!Directory.Exists(root))
        {
            return (0, 0);
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        var found = new FileSystemEnumerable<FileInfo>(root, (ref FileSystemEntry e) => (FileInfo)e.ToFileSystemInfo(), options)
        {
            // Never into a linked folder: it may be someone else's tree.
            ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory && e.FileName.StartsWith(TempPrefix, StringComparison.Ordinal),
        };
        int count = 0;
        long bytes = 0;
        var now = DateTime.UtcNow;
        foreach (var temp in found)
        {
            if (TemporaryName.Match(temp.Name) is { Success: true } name && IsLeftByDeadProcess(name)
                && now - temp.LastWriteTimeUtc >= minimumAge && temp.LinkTarget is null)
            {
                long length = temp.Length;
                if (TryDelete(temp.FullName))
                {
                    count++;
                    bytes += length;
                }
            }
        }

        return (count, bytes);
    }

    private static bool IsLeftByDeadProcess(Match name) =>
        int.TryParse(name.Groups["pid"].ValueSpan, out int pid) && pid != Environment.ProcessId && !IsProcessAlive(pid);

    private static bool IsProcessAlive(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void SyncDirectory(string? directory)
    {
        // Make the rename itself durable (POSIX needs an fsync of the directory); best effort elsewhere.
        if (directory is null || OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
