using BenchmarkDotNet.Attributes;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Samples;

/// <summary>
/// A whole in-memory conversion of a 2048×1536 sample (48 + 16 + 4 + 1 + 1 tiles): the allocation column shows
/// what the pipeline costs per conversion beyond the fixed level bands (memory sink output included).
/// </summary>
[MemoryDiagnoser]
public class ConversionBenchmarks
{
    private byte[] _input = [];

    [Params(JpegEncoderPreference.Native, JpegEncoderPreference.Managed)]
    public JpegEncoderPreference Encoder { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var stream = new MemoryStream();
        BtfSampleWriter.Write(stream, new SampleSpec { Width = 2048, Height = 1536, Olympus = false });
        _input = stream.ToArray();
    }

    [Benchmark]
    public async Task<long> Convert()
    {
        var source = new MemoryByteSource("in.btf", _input);
        var info = await SourceInspector.InspectAsync(source, default);
        await using var sink = new MemoryByteSink();
        var result = await TiffConverter.ConvertAsync(info, source, sink, new ConversionOptions { JpegEncoder = Encoder }, null, default);
        return result.OutputBytes;
    }
}
