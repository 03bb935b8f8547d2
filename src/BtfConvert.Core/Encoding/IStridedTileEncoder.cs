namespace BtfConvert.Core.Encoding;

/// <summary>
/// An encoder that reads a tile's rows where they lie, <paramref name="rowPitch"/> bytes apart (a row of the level
/// band), so the tile needs no cut copy first. libjpeg-turbo's tjCompress2 takes such a pitch.
/// </summary>
internal interface IStridedTileEncoder : ITileEncoder
{
    /// <summary>
    /// As <see cref="ITileEncoder.Encode"/>, but row y of the tile starts at y × <paramref name="rowPitch"/> in
    /// <paramref name="pixels"/>. Gives exactly the bytes <see cref="ITileEncoder.Encode"/> gives for the same
    /// pixels packed.
    /// </summary>
    int Encode(ReadOnlySpan<byte> pixels, int rowPitch, Span<byte> destination);
}
