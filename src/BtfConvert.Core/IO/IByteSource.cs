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

    /// <summary>How many bulk reads to keep in flight at first.</summary>
    int PreferredConcurrency { get; }

    /// <summary>
    /// Most bulk reads worth keeping in flight. Above <see cref="PreferredConcurrency"/> (a remote store, where one
    /// connection is slow) the strip reader adds reads while the converter waits on them and throughput grows;
    /// equal to it (the default) keeps the read-ahead fixed.
    /// </summary>
    int MaxConcurrency => PreferredConcurrency;

    /// <summary>
    /// Most bytes of read buffers worth holding ahead of the converter; the default keeps the read-ahead at
    /// <see cref="MaxConcurrency"/> reads of <see cref="PreferredReadSize"/>.
    /// </summary>
    long ReadAheadBudget => (long)MaxConcurrency * PreferredReadSize;

    /// <summary>
    /// Smallest bulk read worth sending: below <see cref="PreferredReadSize"/> (a remote store) the strip reader
    /// splits slow reads to carry more connections in the same memory; equal to it (the default) never splits.
    /// </summary>
    int MinReadSize => PreferredReadSize;

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
