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
        _tempPath = Path.Combine(directory, $"{TempPrefix}{Path.GetFileName(_path)}.{Environment.ProcessId}-{Guid.NewGuid():N}{TempSuffix}");
    }

    public string Name { get; }
    public long Position { get; private set; }

    /// <summary>Where the bytes go until the commit (for tests that check nothing is left).</summary>
    public string TemporaryPath => _tempPath;

    public ValueTask OpenAsync(int headLength, long estimatedLength, CancellationToken cancellationToken)
    {
        if (!_overwrite && File.Exists(_path))
        {
            throw OutputExistsException.For(Name);
        }

        string? directory = Path.GetDirectoryName(_path);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"{Name}: the output directory {directory} does not exist");
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
            throw new StorageException($"{Name}: cannot create the output: {e.Message}", e);
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
        if (head.Length != _headLength)
        {
            throw new ArgumentException($"head is {head.Length} bytes but {_headLength} were reserved", nameof(head));
        }

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
        catch (IOException) when (!_overwrite && File.Exists(_path))
        {
            throw new OutputExistsException($"{Name}: output appeared while converting (use --overwrite to replace it)");
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

    /// <summary>Deletes temporaries of earlier runs for <paramref name="path"/> whose process is gone.</summary>
    public static int CleanStaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            return 0;
        }

        int removed = 0;
        foreach (var temp in Directory.EnumerateFiles(directory, $"{TempPrefix}{Path.GetFileName(full)}.*{TempSuffix}"))
        {
            string pidPart = Path.GetFileName(temp)[(TempPrefix.Length + Path.GetFileName(full).Length + 1)..].Split('-')[0];
            if (int.TryParse(pidPart, out int pid) && pid != Environment.ProcessId && !IsProcessAlive(pid))
            {
                removed += TryDelete(temp) ? 1 : 0;
            }
        }

        return removed;
    }

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
