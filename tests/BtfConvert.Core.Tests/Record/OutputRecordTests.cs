using BtfConvert.Core.Conversion;
using BtfConvert.Core.Record;

namespace BtfConvert.Core.Tests.Record;

public sealed class OutputRecordTests
{
    [Theory]
    [InlineData(203, "切片")]
    [InlineData(900, "a")]
    public void Long_source_locations_keep_the_record_within_the_s3_metadata_limit(int repeat, string part)
    {
        string source = "s3://scans/" + string.Concat(Enumerable.Repeat(part, repeat)) + "/slide.btf";
        var record = OutputRecord.Create(source, "\"0123456789abcdef0123456789abcdef-12\"", 123, new ConversionOptions().Fingerprint());
        // As the S3 sink sends it: names plus values, non-ASCII values percent-escaped. S3 allows 2 KB in all.
        long sent = record.Sum(kv => kv.Key.Length + (kv.Value.All(char.IsAscii) ? kv.Value.Length : Uri.EscapeDataString(kv.Value).Length));
        Assert.True(sent <= 2048, $"{sent} bytes of metadata");
        string recorded = OutputRecord.Get(record, OutputRecord.Source)!;
        Assert.EndsWith("/slide.btf" + recorded[recorded.IndexOf('#', StringComparison.Ordinal)..], recorded, StringComparison.Ordinal);
        Assert.StartsWith("…", recorded, StringComparison.Ordinal);
    }

    [Fact]
    public void Ordinary_locations_are_recorded_as_they_are()
    {
        const string source = "s3://scans/vs120/2024/hu_prostate_01.btf";
        Assert.Equal(source, OutputRecord.ShortenSource(source));
    }

    [Theory]
    [InlineData("/scans/ansi-\u001b[31mred.btf")]
    [InlineData("/scans/two\nlines\r.btf")]
    [InlineData("/scans/plain & <odd> \"names\".btf")]
    public void Any_name_the_OS_allows_survives_the_XMP_record(string source)
    {
        var record = new Dictionary<string, string> { [OutputRecord.Source] = source, [OutputRecord.SourceSize] = "12" };

        var read = OutputRecordXmp.Read(OutputRecordXmp.Write(record));

        Assert.Equal(source, read[OutputRecord.Source]);
        Assert.Equal("12", read[OutputRecord.SourceSize]);
    }
}
