using System.Diagnostics;
using System.Globalization;
using BtfConvert.Samples;

// btf-sample OUT [--width W] [--height H] [--seed S] [--rows-per-strip N] [--gray] [--classic] [--big-endian]
//                [--strip-order in-order|reverse|shuffled] [--plain] [--mpp UM]
// btf-sample --malformed DIR   (writes the malformed-input corpus of tests/TestData/malformed)
const string Usage = "usage: btf-sample OUT [--width W] [--height H] [--seed S] [--rows-per-strip N] [--gray] [--classic] " +
    "[--big-endian] [--strip-order in-order|reverse|shuffled] [--plain] [--mpp UM]";
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(Usage);
    Console.Error.WriteLine("Writes a deterministic, Olympus VS120-like strip BigTIFF (IFD0 at the end, SIS block, 27x25 16-bit second IFD).");
    return args.Length == 0 ? 2 : 0;
}

if (args is ["--malformed", var corpusDirectory])
{
    int count = BtfConvert.Samples.Malformed.MalformedCorpus.WriteTo(corpusDirectory);
    Console.Out.WriteLine($"{corpusDirectory}: {count} malformed cases and README.md");
    return 0;
}

var spec = new SampleSpec();
string? output = null;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
        spec = args[i] switch
        {
            "--width" => spec with { Width = NextInt() },
            "--height" => spec with { Height = NextInt() },
            "--seed" => spec with { Seed = NextInt() },
            "--rows-per-strip" => spec with { RowsPerStrip = NextInt() },
            "--gray" => spec with { SamplesPerPixel = 1 },
            "--classic" => spec with { BigTiff = false },
            "--big-endian" => spec with { LittleEndian = false },
            "--plain" => spec with { Olympus = false },
            "--mpp" => spec with { MicronsPerPixel = double.Parse(Next(), CultureInfo.InvariantCulture) },
            "--strip-order" => spec with
            {
                StripOrder = Next() switch
                {
                    "in-order" => StripOrder.InOrder,
                    "reverse" => StripOrder.Reverse,
                    "shuffled" => StripOrder.Shuffled,
                    var v => throw new ArgumentException($"unknown strip order '{v}'"),
                },
            },
            var a when a.StartsWith('-') => throw new ArgumentException($"unknown option {a}"),
            var a when output is null => SetOutput(a),
            var a => throw new ArgumentException($"unexpected argument {a}"),
        };
    }

    if (output is null)
    {
        throw new ArgumentException("no output file given");
    }

    var clock = Stopwatch.StartNew();
    BtfSampleWriter.Write(output, spec);
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{output}: {spec.Width}x{spec.Height} {(spec.SamplesPerPixel == 3 ? "RGB" : "gray")}, seed {spec.Seed}, {new FileInfo(output).Length:N0} bytes, {clock.Elapsed.TotalSeconds:0.0} s"));
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"btf-sample: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

SampleSpec SetOutput(string path)
{
    output = path;
    return spec;
}
