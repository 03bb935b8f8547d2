using BtfConvert.Core;
using BtfConvert.Core.Batch;
using BtfConvert.Core.Conversion;
using BtfConvert.Core.Encoding;
using BtfConvert.Core.IO;
using BtfConvert.Core.Record;

namespace BtfConvert.Core.Tests.Batch;

public sealed class BatchPlannerTests
{
    private static readonly ConversionOptions Deflate = new() { Compression = TileCompression.Deflate };

    private static StorageObjectInfo Object(string location, long length = 1000, string etag = "\"e1\"",
        IReadOnlyDictionary<string, string>? metadata = null) =>
        new(location, length, etag, DateTimeOffset.UnixEpoch, metadata ?? new Dictionary<string, string>());

    private static BatchPlanner Planner(bool force = false, bool overwrite = false, string[]? include = null, string[]? exclude = null,
        string source = "s3://in/scans/", string destination = "s3://out/tiles") =>
        new(new BatchSettings
        {
            Source = source,
            Destination = destination,
            Options = Deflate,
            Force = force,
            Overwrite = overwrite,
            Include = include ?? [BatchSettings.DefaultInclude],
            Exclude = exclude ?? [],
        });

    private static Dictionary<string, string> RecordFor(StorageObjectInfo source, ConversionOptions options) =>
        OutputRecord.Create(source.Location, source.ETag, source.Length, options.Fingerprint());

    [Fact]
    public void Selects_by_glob_recursively_and_maps_to_the_same_tree()
    {
        var planner = Planner(exclude: ["**/rejected/**"]);
        var items = planner.Select([
            Object("s3://in/scans/2024/03/b.btf"), Object("s3://in/scans/a.BTF"), Object("s3://in/scans/notes.txt"),
            Object("s3://in/scans/2024/rejected/c.btf"), Object("s3://in/scans/2024/"),
        ]);
        Assert.Equal(["2024/03/b.btf", "a.BTF"], items.Select(i => i.RelativePath));
        Assert.Equal(["s3://out/tiles/2024/03/b.tiff", "s3://out/tiles/a.tiff"], items.Select(i => i.Destination));
        Assert.All(items, i => Assert.Equal(BatchAction.Convert, i.Action));
    }

    [Fact]
    public void Two_inputs_for_one_output_fail_the_second_and_unsafe_keys_fail_for_local_destinations()
    {
        var items = Planner(include: ["*"], destination: "/out").Select([
            Object("s3://in/scans/a.btf"), Object("s3://in/scans/a.tif"), Object("s3://in/scans/x/../../../etc/passwd"),
        ]);
        Assert.Equal(BatchAction.Convert, items.Single(i => i.RelativePath == "a.btf").Action);
        var collision = items.Single(i => i.RelativePath == "a.tif");
        Assert.Equal(BatchAction.Fail, collision.Action);
        Assert.Contains("maps to the same output", collision.Reason, StringComparison.Ordinal);
        Assert.Equal(BatchAction.Fail, items.Single(i => i.RelativePath.Contains("..", StringComparison.Ordinal)).Action);
    }

    [Fact]
    public void Outputs_inside_the_source_tree_are_not_inputs()
    {
        var items = Planner(include: ["*"], source: "s3://b/", destination: "s3://b/converted/").Select([
            Object("s3://b/a.btf"), Object("s3://b/converted/a.tiff"),
        ]);
        Assert.Equal(["a.btf"], items.Select(i => i.RelativePath));

        // The other way round (source inside destination) every input is still an input.
        items = Planner(source: "s3://b/scans/", destination: "s3://b/").Select([Object("s3://b/scans/a.btf")]);
        Assert.Equal(["s3://b/a.tiff"], items.Select(i => i.Destination));
    }

    [Fact]
    public void An_output_recorded_for_the_same_source_and_options_is_skipped()
    {
        var planner = Planner();
        var source = Object("s3://in/scans/a.btf");
        var item = planner.Select([source]).Single();
        var output = Object(item.Destination, metadata: RecordFor(source, Deflate));
        Assert.Equal(BatchAction.Skip, planner.Decide(item, output).Action);
        Assert.Equal(BatchAction.Convert, planner.Decide(item, null).Action);
        Assert.Equal(BatchAction.Convert, Planner(force: true).Decide(item, output).Action);
    }

    [Fact]
    public void S3_style_metadata_names_and_quotes_are_tolerated()
    {
        var planner = Planner();
        var source = Object("s3://in/scans/a.btf", etag: "\"abc\"");
        var item = planner.Select([source]).Single();
        var amz = RecordFor(source, Deflate).ToDictionary(kv => "X-Amz-Meta-" + kv.Key, kv => kv.Value);
        amz["X-Amz-Meta-btfconvert-source-etag"] = "abc";
        Assert.Equal(BatchAction.Skip, planner.Decide(item, Object(item.Destination, metadata: amz)).Action);
    }

    public static TheoryData<string, string> Changes => new()
    {
        { "etag", "the source changed (ETag" },
        { "size", "the source changed (size" },
        { "options", "the options changed" },
        { "stale", "the output changed" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_changed_source_or_options_or_output_is_converted_again(string change, string reason)
    {
        var planner = Planner();
        var source = Object("s3://in/scans/a.btf");
        var item = planner.Select([source]).Single();
        var record = change switch
        {
            "etag" => RecordFor(source with { ETag = "\"e0\"" }, Deflate),
            "size" => RecordFor(source with { Length = 999 }, Deflate),
            "options" => RecordFor(source, Deflate with { Compression = TileCompression.Jpeg }),
            _ => new Dictionary<string, string> { [OutputRecord.Stale] = "the output changed after its record was written" },
        };
        var decided = planner.Decide(item, Object(item.Destination, metadata: record));
        Assert.Equal(BatchAction.Convert, decided.Action);
        Assert.StartsWith(reason, decided.Reason, StringComparison.Ordinal);
        Assert.NotNull(decided.ExistingOutput);
    }

    [Fact]
    public void Someone_elses_output_is_left_alone_unless_overwrite()
    {
        var source = Object("s3://in/scans/a.btf");
        var item = Planner().Select([source]).Single();
        var foreign = Object(item.Destination);
        var refused = Planner().Decide(item, foreign);
        Assert.Equal(BatchAction.Fail, refused.Action);
        Assert.Contains("not written by btfconvert", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(BatchAction.Convert, Planner(overwrite: true).Decide(item, foreign).Action);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(BatchSettings.MaxJobs + 1)]
    public void Settings_are_validated(int jobs)
    {
        var settings = new BatchSettings { Source = "a", Destination = "b", Jobs = jobs };
        Assert.Throws<UsageException>(settings.Validate);
        Assert.Throws<UsageException>(new BatchSettings { Source = "a", Destination = "b", Suffix = "x/y" }.Validate);
    }

    [Fact]
    public void Jobs_share_the_cores_as_encoding_threads() =>
        Assert.Equal(1, new BatchSettings { Source = "a", Destination = "b", Jobs = Environment.ProcessorCount }.ThreadsPerJob);
}
