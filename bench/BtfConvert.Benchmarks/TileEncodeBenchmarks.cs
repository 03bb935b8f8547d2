using BenchmarkDotNet.Attributes;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.Encoding.TurboJpeg;
using BtfConvert.Samples;

/// <summary>One 256×256 RGB tissue tile at quality 90, 4:2:0, tables shared (what conversions write).</summary>
[MemoryDiagnoser]
public class TileEncodeBenchmarks
{
    private static readonly TileFormat Format = new(256, 256, 3);
    private byte[] _tile = [];
    private byte[] _output = [];
    private ITileEncoder _managed = null!;
    private ITileEncoder? _native;

    [GlobalSetup]
    public void Setup()
    {
        // A tile from the middle of the generated slide: tissue, not background.
        var pattern = new TissuePattern(7, 4096, 4096, 3);
        byte[] band = new byte[pattern.RowBytes];
        _tile = new byte[Format.ByteCount];
        for (int y = 0; y < 256; y++)
        {
            pattern.RenderRow(1920 + y, band);
            band.AsSpan(1920 * 3, 256 * 3).CopyTo(_tile.AsSpan(y * 256 * 3));
        }

        _managed = new ImageSharpJpegTileEncoder.Factory(Format, 90).Create();
        _native = TurboJpegLibrary.IsAvailable ? new TurboJpegTileEncoder.Factory(Format, 90).Create() : null;
        _output = new byte[Math.Max(_managed.MaxEncodedLength, _native?.MaxEncodedLength ?? 0)];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _managed.Dispose();
        _native?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int ImageSharp() => _managed.Encode(_tile, _output);

    [Benchmark]
    public int LibJpegTurbo() => _native?.Encode(_tile, _output) ?? throw new InvalidOperationException("libturbojpeg.so.0 is not installed");
}
