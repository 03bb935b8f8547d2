using Microsoft.Win32.SafeHandles;

namespace BtfConvert.Core.IO;

/// <summary>A local file read with positional reads (no shared stream position, so concurrent reads are safe).</summary>
internal sealed class LocalFileSource : IByteSource
{
    private readonly SafeFileHandle _handle;

    private readonly DateTime _lastWriteUtc;

    private LocalFileSource(string name, SafeFileHandle handle, long length, DateTime lastWriteUtc)
    {
        Name = name;
        _handle = handle;
        Length = length;
        _lastWriteUtc = lastWriteUtc;
        // Taken from the open handle, so the record names the file actually read even if the path is replaced later.
        ETag = LocalStorage.Fingerprint(length, lastWriteUtc);
    }

    public string Name { get; }
    public long Length { get; }
    public string ETag { get; }
    /// <summary>Two reads of 4 MiB keep a local disk or the page cache busy; more only hold memory.</summary>
    public ReadAheadPolicy ReadAhead { get; } = ReadAheadPolicy.Fixed(4 << 20, 2);

    public static LocalFileSource Open(string path)
    {
        if (!LocalFileType.RequireRegularFileIfExists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return new LocalFileSource(path, handle, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle));
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"{path}: no such file", path, e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FileNotFoundException($"{path}: no such file (directory does not exist)", path, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StorageException($"{path}: permission denied", e);
        }
        catch (IOException e) when (e is not StorageException)
        {
            throw new StorageException($"{path}: {e.Message}", e);
        }
    }

    public async ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (offset < 0 || offset + buffer.Length > Length)
        {
            throw new EndOfStreamException($"{Name}: read of {buffer.Length} bytes at {offset} is past the end ({Length} bytes)");
        }

        int done = 0;
        while (done < buffer.Length)
        {
            int n = await RandomAccess.ReadAsync(_handle, buffer[done..], offset + done, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new SourceChangedException($"{Name}: source changed while being read: the file shrank below {Length} bytes (no data at byte {offset + done})");
            }

            done += n;
        }

        ThrowIfChanged();
    }

    /// <summary>
    /// A file rewritten or appended to under the converter would give an output mixing old and new pixels; like an S3
    /// ETag that moved, that is "source changed" (exit 4, run again), not bad input. Two fstat()s per read of a few
    /// MiB cost microseconds.
    /// </summary>
    private void ThrowIfChanged()
    {
        long length = RandomAccess.GetLength(_handle);
        var lastWrite = File.GetLastWriteTimeUtc(_handle);
        if (length != Length || lastWrite != _lastWriteUtc)
        {
            throw new SourceChangedException(
                $"{Name}: source changed while being read (size {Length} -> {length} bytes, modified {_lastWriteUtc:O} -> {lastWrite:O})");
        }
    }

    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}
