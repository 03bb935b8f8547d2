using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Tests.Pyramid;

public class PyramidPlanTests
{
    [Fact]
    public void Halves_with_floor_until_a_level_fits_one_tile_like_vips()
    {
        var plan = PyramidPlan.Create(3001, 2003, 256, 256);
        Assert.Equal(
            [(3001, 2003), (1500, 1001), (750, 500), (375, 250), (187, 125)],
            plan.Levels.Select(l => (l.Width, l.Height)));
    }

    [Fact]
    public void The_real_Olympus_slide_gets_nine_levels()
    {
        var plan = PyramidPlan.Create(45048, 40466, 256, 256);
        Assert.Equal(9, plan.Levels.Count);
        Assert.Equal((175, 158), (plan.Levels[^1].Width, plan.Levels[^1].Height));
        Assert.Equal(176 * 159, plan.Levels[0].TileCount);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(256, 256, 1)]
    [InlineData(257, 1, 1)]
    [InlineData(1, 100000, 1)]
    [InlineData(255, 257, 2)]
    public void Degenerate_sizes_stop_before_a_zero_dimension(int w, int h, int levels)
    {
        var plan = PyramidPlan.Create(w, h, 256, 256);
        Assert.Equal(levels, plan.Levels.Count);
        Assert.All(plan.Levels, l => Assert.True(l.Width > 0 && l.Height > 0));
    }
}
