namespace BtfConvert.Core.Pyramid;

/// <summary>Receives tiles as the level chain cuts them, in a deterministic order.</summary>
internal interface ITileSink
{
    /// <summary>
    /// Takes ownership of <paramref name="pixels"/> (a buffer rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/>
    /// holding one full tile, edges replicated). May block to apply back-pressure.
    /// </summary>
    void Submit(int level, int tileIndex, byte[] pixels);
}
