namespace BtfConvert.Core.IO;

/// <summary>
/// Random-access, read-only bytes: a local file or a remote object read by ranges.
/// Implementations must be safe for concurrent <see cref="ReadExactlyAsync"/> calls, because the read-ahead
/// keeps several reads in flight to hide latency.
/// </summary>
public interface IByteSource : IAsyncDisposable
{
    /// <summary>What the user called this input (a path or an s3:// URI); used in every error message.</summary>
    string Name { get; }

    /// <summary>Total size in bytes, known up front (stat or HeadObject).</summary>
    long Length { get; }

    /// <summary>
    /// How to read this source ahead of the converter: a local file a fixed few reads of a few MiB; a remote store
    /// more, smaller reads that grow in number while the converter waits on them.
    /// </summary>
    ReadAheadPolicy ReadAhead { get; }

    /// <summary>
    /// The version every read is pinned to (an S3 ETag, a local file's size+mtime fingerprint), recorded with the
    /// output so that batch runs know what was converted; null when there is none.
    /// </summary>
    string? ETag => null;

    /// <summary>
    /// Fills <paramref name="buffer"/> with the bytes at <paramref name="offset"/>. Throws
    /// <see cref="EndOfStreamException"/> if the range runs past <see cref="Length"/>.
    /// </summary>
    ValueTask ReadExactlyAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);
}
