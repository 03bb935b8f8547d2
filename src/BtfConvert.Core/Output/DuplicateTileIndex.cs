namespace BtfConvert.Core.Output;

/// <summary>
/// Remembers small encoded tiles already written so that identical ones (blank background encodes to the same
/// bytes) are stored once and shared by offset. Only tiles up to 4096 bytes are candidates and at most 256 are
/// kept (≤ 1 MiB): background tiles are small, and a bounded index keeps memory flat in the image size.
/// </summary>
internal sealed class DuplicateTileIndex
{
    internal const int CandidateMaxLength = 4096;
    internal const int MaxCandidates = 256;

    private readonly Dictionary<int, List<(byte[] Bytes, long Offset)>> _byHash = [];
    private int _count;

    /// <summary>
    /// True with the earlier tile's offset when <paramref name="encoded"/> was written before; otherwise remembers
    /// it (while there is room) as written at <paramref name="offsetIfNew"/>.
    /// </summary>
    public bool TryFindOrRemember(ReadOnlySpan<byte> encoded, long offsetIfNew, out long offset)
    {
        offset = offsetIfNew;
        if (encoded.Length > CandidateMaxLength)
        {
            return false;
        }

        int hash = HashOf(encoded);
        if (_byHash.TryGetValue(hash, out var candidates))
        {
            foreach (var (bytes, earlier) in candidates)
            {
                if (bytes.AsSpan().SequenceEqual(encoded))
                {
                    offset = earlier;
                    return true;
                }
            }
        }

        if (_count < MaxCandidates)
        {
            if (candidates is null)
            {
                _byHash[hash] = candidates = [];
            }

            candidates.Add((encoded.ToArray(), offsetIfNew));
            _count++;
        }

        return false;
    }

    private static int HashOf(ReadOnlySpan<byte> bytes)
    {
        var h = default(HashCode);
        h.AddBytes(bytes);
        return h.ToHashCode();
    }
}
