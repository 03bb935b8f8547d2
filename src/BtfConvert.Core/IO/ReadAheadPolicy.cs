namespace BtfConvert.Core.IO;

/// <summary>
/// How a source is read ahead of the converter: reads of <paramref name="ReadSize"/> bytes, <paramref name="InitialReads"/>
/// of them in flight at first and at most <paramref name="MaxReads"/>, split down to <paramref name="MinReadSize"/> when
/// they are slow, holding at most <paramref name="BufferBudget"/> bytes of pooled buffers (never past
/// <see cref="MaxBufferBytes"/>). The read-ahead stays fixed when the initial and most reads are equal (local files).
/// </summary>
public sealed record ReadAheadPolicy(int ReadSize, int InitialReads, int MaxReads, int MinReadSize, long BufferBudget)
{
    /// <summary>
    /// Most bytes of read buffers one conversion holds (reads in flight plus reads waiting for the converter),
    /// whatever the source asks for: half the 256 MB per-conversion budget; the level chain at the real slide width
    /// takes ~140 MB (two bands per level), and runs read straight into its bands need no buffer.
    /// </summary>
    public const long MaxBufferBytes = 128L << 20;

    /// <summary><paramref name="reads"/> reads of <paramref name="readSize"/>, never more, never split.</summary>
    public static ReadAheadPolicy Fixed(int readSize, int reads) => new(readSize, reads, reads, readSize, (long)reads * readSize);

    /// <summary>Pooled buffer bytes the read-ahead may hold: <see cref="BufferBudget"/>, at most <see cref="MaxBufferBytes"/>.</summary>
    public long PooledBudget => Math.Clamp(BufferBudget, 0, MaxBufferBytes);

    /// <summary>The same policy with reads of <paramref name="readSize"/> bytes (a caller's override); the budget stays.</summary>
    public ReadAheadPolicy WithReadSize(int readSize) =>
        readSize <= 0 ? this : this with { ReadSize = readSize, MinReadSize = Math.Min(MinReadSize, readSize) };
}
