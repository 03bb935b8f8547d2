namespace BtfConvert.Core.Pyramid;

/// <summary>Builds the chain of levels for a plan; rows pushed into <see cref="Top"/> flow down the chain.</summary>
internal sealed class PyramidBuilder
{
    public PyramidBuilder(PyramidPlan plan, int samplesPerPixel, ITileSink sink, StageTimings? timings = null)
    {
        Plan = plan;
        PyramidLevel? below = null;
        var levels = new PyramidLevel[plan.Levels.Count];
        for (int i = plan.Levels.Count - 1; i >= 0; i--)
        {
            below = levels[i] = new PyramidLevel(i, plan.Levels[i], samplesPerPixel, sink, below, timings);
        }

        Levels = levels;
    }

    public PyramidPlan Plan { get; }
    public IReadOnlyList<PyramidLevel> Levels { get; }
    public PyramidLevel Top => Levels[0];

    /// <summary>Memory held by all level bands together: independent of the image height.</summary>
    public long BufferBytes => Levels.Sum(l => l.BufferBytes);

    public bool IsComplete => Levels.All(l => l.IsComplete);
}
