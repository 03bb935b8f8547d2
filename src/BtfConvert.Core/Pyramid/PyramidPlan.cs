namespace BtfConvert.Core.Pyramid;

/// <summary>
/// Level sizes of the output: level 0 is the source; each next level is floor(w/2)×floor(h/2) (what libvips and
/// large_image produce) until a level fits in one tile.
/// </summary>
public sealed record PyramidPlan(int TileWidth, int TileHeight, IReadOnlyList<LevelSize> Levels)
{
    public static PyramidPlan Create(int width, int height, int tileWidth, int tileHeight)
    {
        var levels = new List<LevelSize> { new(width, height, tileWidth, tileHeight) };
        while ((width > tileWidth || height > tileHeight) && width >= 2 && height >= 2)
        {
            width /= 2;
            height /= 2;
            levels.Add(new LevelSize(width, height, tileWidth, tileHeight));
        }

        return new PyramidPlan(tileWidth, tileHeight, levels);
    }

    public long TotalTiles => Levels.Sum(l => l.TileCount);
}

/// <param name="Width">Level width in pixels.</param>
/// <param name="Height">Level height in pixels.</param>
public readonly record struct LevelSize(int Width, int Height, int TileWidth, int TileHeight)
{
    public int TilesAcross => (Width + TileWidth - 1) / TileWidth;
    public int TilesDown => (Height + TileHeight - 1) / TileHeight;
    public int TileCount => TilesAcross * TilesDown;
}
