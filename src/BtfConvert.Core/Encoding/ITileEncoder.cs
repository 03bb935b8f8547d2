namespace BtfConvert.Core.Encoding;

/// <summary>
/// Compresses one tile. An instance is used by one thread at a time (each encoding worker owns one), so it may keep
/// scratch buffers and native handles.
/// </summary>
public interface ITileEncoder : IDisposable
{
    /// <summary>Upper bound of <see cref="Encode"/>'s output for one tile.</summary>
    int MaxEncodedLength { get; }

    /// <summary>
    /// Encodes <paramref name="pixels"/> (exactly <see cref="TileFormat.ByteCount"/> bytes, row-major, chunky) into
    /// <paramref name="destination"/> and returns the number of bytes written. Must be deterministic: the same pixels
    /// always give the same bytes.
    /// </summary>
    int Encode(ReadOnlySpan<byte> pixels, Span<byte> destination);
}
