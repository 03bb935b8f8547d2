namespace BtfConvert.Core.IO;

/// <summary>
/// Random-access, read-only bytes: a local file or a remote object read by ranges.
/// Implementations must be safe for concurrent <see cref="ReadExactlyAsync"/> calls, because the strip reader
/// keeps several reads in flight to hide latency.
/// </summary>
public interface IByteSource : IAsyncDisposable
{
    /// <summary>What the user called this input (a path or an s3:// URI); used in every error message.</summary>
    string Name { get; }

    /// <summary>Total size in bytes, known up front (stat or HeadObject).</summary>
    long Length { get; }

    /// <summary>Size of one bulk read that this source serves efficiently (a local file: a few MiB; S3: 8 MiB or so).</summary>
    int PreferredReadSize { get; }

    /// <summary>How many bulk reads are worth keeping in flight at once.</summary>
    int PreferredConcurrency { get; }

    /// <summary>
    /// Fills <paramref name="buffer"/> with the bytes at <paramref name="offset"/>. Throws
    /// <see cref="EndOfStreamException"/> if the range runs past <see cref="Length"/>.
    /// </summary>
    ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);
}
