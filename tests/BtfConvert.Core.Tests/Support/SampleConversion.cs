using BtfConvert.Core.Conversion;
using BtfConvert.Core.IO;
using BtfConvert.Core.Source;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Support;

/// <summary>Generates a sample with the bundled generator and converts it to a file, as the CLI does.</summary>
public static class SampleConversion
{
    public sealed record Converted(string Input, string Output, byte[] SourcePixels, ConversionResult Result);

    public static async Task<Converted> RunAsync(TempDirectory dir, SampleSpec spec, ConversionOptions options, string name = "sample")
    {
        string input = dir.File($"{name}.btf"), output = dir.File($"{name}.tiff");
        BtfSampleWriter.Write(input, spec);
        var result = await ConvertFileAsync(input, output, options);
        var pixels = new TissuePattern(spec.Seed, spec.Width, spec.Height, spec.SamplesPerPixel).Render();
        return new Converted(input, output, pixels, result);
    }

    public static async Task<ConversionResult> ConvertFileAsync(string input, string output, ConversionOptions options)
    {
        await using var source = LocalFileSource.Open(input);
        var info = await SourceInspector.InspectAsync(source, default);
        await using var sink = new LocalFileSink(output, overwrite: true);
        return await TiffConverter.ConvertAsync(info, source, sink, options, null, default);
    }
}
