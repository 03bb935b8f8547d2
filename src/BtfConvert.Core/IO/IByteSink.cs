namespace BtfConvert.Core.IO;

/// <summary>
/// Where a converted file goes. The output is produced in one forward pass except for its head (TIFF header and
/// every IFD), which is only final once all tiles are written: the sink reserves the head, takes the body as a
/// stream of appends, and receives the head last in <see cref="CommitAsync"/>. Nothing is visible at the final
/// name until the commit succeeds; a sink disposed without a commit aborts (deletes the temp file, aborts the
/// multipart upload).
/// </summary>
public interface IByteSink : IAsyncDisposable
{
    /// <summary>The destination as the user named it; used in every error message.</summary>
    string Name { get; }

    /// <summary>Bytes of the output so far, including the reserved head.</summary>
    long Position { get; }

    /// <summary>Reserves <paramref name="headLength"/> bytes at the start. Called once, before any append.</summary>
    /// <param name="estimatedLength">A guess of the final size (may be off); S3 uses it to pick a part size.</param>
    ValueTask OpenAsync(int headLength, long estimatedLength, CancellationToken cancellationToken);

    /// <summary>Appends body bytes after everything written so far. The memory may be reused once this returns.</summary>
    ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Writes the final head over the reserved bytes, makes the output durable, and publishes it atomically.</summary>
    ValueTask CommitAsync(ReadOnlyMemory<byte> head, CancellationToken cancellationToken);

    /// <summary>Discards everything written. Safe to call more than once and after a failed commit.</summary>
    ValueTask AbortAsync();

    /// <summary>The error of a sink used before <see cref="OpenAsync"/> (a bug in the caller, never the user's).</summary>
    static InvalidOperationException NotOpened() => new("sink not opened");

    /// <summary>Throws unless the head given to <see cref="CommitAsync"/> fills exactly the <paramref name="reserved"/> bytes.</summary>
    static void RequireReservedLength(ReadOnlyMemory<byte> head, int reserved)
    {
        if (head.Length != reserved)
        {
            throw new ArgumentException($"head is {head.Length} bytes but {reserved} were reserved", nameof(head));
        }
    }
}
