using Microsoft.Win32.SafeHandles;

namespace BtfConvert.Core.IO;

/// <summary>A local file read with positional reads (no shared stream position, so concurrent reads are safe).</summary>
internal sealed class LocalFileSource : IByteSource
{
    private readonly SafeFileHandle _handle;

    private LocalFileSource(string name, SafeFileHandle handle, long length)
    {
        Name = name;
        _handle = handle;
        Length = length;
        // Taken from the open handle, so the record names the file actually read even if the path is replaced later.
        ETag = LocalStorage.Fingerprint(length, File.GetLastWriteTimeUtc(handle));
    }

    public string Name { get; }
    public long Length { get; }
    public string ETag { get; }
    public int PreferredReadSize => 4 << 20;
    public int PreferredConcurrency => 2;

    public static LocalFileSource Open(string path)
    {
        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return new LocalFileSource(path, handle, RandomAccess.GetLength(handle));
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
                throw new EndOfStreamException($"{Name}: the file shrank while being read (at byte {offset + done})");
            }

            done += n;
        }
    }

    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}
