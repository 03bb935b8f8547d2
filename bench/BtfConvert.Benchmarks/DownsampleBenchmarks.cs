using BenchmarkDotNet.Attributes;
using BtfConvert.Core.Pyramid;
using BtfConvert.Samples;

/// <summary>2×2 box shrink of one 256-row band of a 20000-pixel-wide level: scalar reference vs Vector128.</summary>
[MemoryDiagnoser]
public class DownsampleBenchmarks
{
    private const int Width = 20000;
    private const int Rows = 256;
    private byte[] _band = [];
    private byte[] _output = [];

    [Params(1, 3)]
    public int SamplesPerPixel { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _band = new TissuePattern(7, Width, Rows, SamplesPerPixel).Render();
        _output = new byte[Width / 2 * SamplesPerPixel];
    }

    [Benchmark(Baseline = true)]
    public void Scalar()
    {
        int rowBytes = Width * SamplesPerPixel;
        for (int y = 0; y < Rows; y += 2)
        {
            BoxDownsampler.DownsampleRowsScalar(_band.AsSpan(y * rowBytes, rowBytes), _band.AsSpan((y + 1) * rowBytes, rowBytes), _output, Width, SamplesPerPixel);
        }
    }

    [Benchmark]
    public void Vector128()
    {
        int rowBytes = Width * SamplesPerPixel;
        for (int y = 0; y < Rows; y += 2)
        {
            BoxDownsampler.DownsampleRows(_band.AsSpan(y * rowBytes, rowBytes), _band.AsSpan((y + 1) * rowBytes, rowBytes), _output, Width, SamplesPerPixel);
        }
    }
}
