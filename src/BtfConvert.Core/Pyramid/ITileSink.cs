namespace BtfConvert.Core.Pyramid;

/// <summary>Receives tiles as the level chain cuts them, in a deterministic order.</summary>
internal interface ITileSink
{
    /// <summary>
    /// Takes <paramref name="tile"/>, which points into a level band held for it: the sink must call
    /// <see cref="TileView.Release"/> once it no longer reads the pixels (also when it fails or is cancelled, or
    /// the band is never filled again). May block to apply back-pressure.
    /// </summary>
    void Submit(int level, int tileIndex, TileView tile);

    /// <summary>Cancelled when the consumer stops; a level waiting for a band to be free watches it.</summary>
    CancellationToken Token { get; }
}
