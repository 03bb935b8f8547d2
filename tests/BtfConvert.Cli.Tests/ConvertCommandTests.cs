namespace BtfConvert.Cli.Tests;

public sealed class ConvertCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Help_prints_defaults_as_the_accepted_lowercase_values()
    {
        var r = await CliRunner.RunAsync("convert", "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("lzw or none [default: jpeg]", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("yes or no [default: auto]", r.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("[default: Jpeg]", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shorthand_converts_and_reports_success()
    {
        string input = _dir.File("in.btf"), output = _dir.File("out.tiff");
        Inputs.WriteStripTiff(input, 300, 200);
        var r = await CliRunner.RunAsync(input, output, "--compression", "deflate");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.True(File.Exists(output));
        Assert.Contains("Wrote", r.StdErr + r.StdOut, StringComparison.Ordinal);
        // The record that batch runs compare (source ETag, options) is inside the output: no other file appears.
        Assert.Equal(["in.btf", "out.tiff"], _dir.Files().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_SOURCE_DATE_EPOCH_the_whole_output_is_byte_identical_for_any_thread_count()
    {
        string input = _dir.File("in.btf");
        Inputs.WriteStripTiff(input, 900, 700);
        var environment = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "1700000000" };
        foreach (string threads in new[] { "1", "3" })
        {
            var r = await CliRunner.RunIsolatedAsync(environment, input, _dir.File($"t{threads}.tiff"), "--threads", threads, "-q");
            Assert.True(r.ExitCode == ExitCodes.Success, r.Output);
        }

        byte[] one = File.ReadAllBytes(_dir.File("t1.tiff"));
        Assert.Equal(one, File.ReadAllBytes(_dir.File("t3.tiff")));
        Assert.True(one.AsSpan().IndexOf("<btfconvert:time>2023-11-14T22:13:20Z</btfconvert:time>"u8) > 0);
    }

    [Fact]
    public async Task An_output_directory_gets_the_input_name_with_tiff()
    {
        string input = _dir.File("slide.btf");
        Inputs.WriteStripTiff(input, 40, 30);
        var r = await CliRunner.RunAsync(input, _dir.Path);
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.True(File.Exists(_dir.File("slide.tiff")));
        Assert.Equal("s3://b/out/slide.tiff", ConvertCommand.ResolveOutput("s3://a/in/slide.btf", "s3://b/out/"));
    }

    [Fact]
    public async Task Refuses_to_overwrite_without_the_flag_and_leaves_the_file_alone()
    {
        string input = _dir.File("in.btf"), output = _dir.File("out.tiff");
        Inputs.WriteStripTiff(input, 64, 64);
        File.WriteAllText(output, "precious");
        var r = await CliRunner.RunAsync("convert", input, output);
        Assert.Equal(ExitCodes.OutputExists, r.ExitCode);
        Assert.Contains($"{output}: output exists", r.StdErr, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(output));

        r = await CliRunner.RunAsync("convert", input, output, "--overwrite");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.NotEqual("precious", File.ReadAllText(output));
    }

    public static TheoryData<string, byte[]?, int, string> BadInputs => new()
    {
        { "empty.btf", [], ExitCodes.BadInput, "file is empty" },
        { "text.btf", "hello, this is not an image"u8.ToArray(), ExitCodes.BadInput, "not a TIFF file" },
        { "missing.btf", null, ExitCodes.BadInput, "no such file" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_inputs_give_one_line_naming_the_file_and_no_output(string name, byte[]? content, int code, string message)
    {
        string input = _dir.File(name), output = _dir.File("out.tiff");
        if (content is not null)
        {
            File.WriteAllBytes(input, content);
        }

        var r = await CliRunner.RunAsync(input, output);
        Assert.Equal(code, r.ExitCode);
        var errorLine = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Contains(input, errorLine, StringComparison.Ordinal);
        Assert.Contains(message, errorLine, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.DoesNotContain(_dir.Files(), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unsupported_compression_is_a_bad_input()
    {
        string input = _dir.File("zstd.btf"), output = _dir.File("out.tiff");
        Inputs.WriteStripTiff(input, 64, 64, compression: 50000);
        var r = await CliRunner.RunAsync(input, output);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("compression zstd (50000) is not supported", r.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Compressed_data_that_does_not_decode_is_a_bad_input_and_leaves_nothing()
    {
        string input = _dir.File("lzw.btf"), output = _dir.File("out.tiff");
        Inputs.WriteStripTiff(input, 64, 64, compression: 5);
        var r = await CliRunner.RunAsync(input, output);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        var error = Assert.Single(r.StdErr.Split('\n'), l => l.Contains(" ERR ", StringComparison.Ordinal));
        Assert.Contains($"{input}: strip 0 does not decode", error, StringComparison.Ordinal);
        Assert.Equal(["lzw.btf"], _dir.Files());
    }

    [Fact]
    public async Task A_truncated_input_is_a_bad_input_and_leaves_nothing()
    {
        string input = _dir.File("cut.btf"), output = _dir.File("out.tiff");
        BtfConvert.Samples.BtfSampleWriter.Write(input, new BtfConvert.Samples.SampleSpec { Width = 400, Height = 300 });
        // Keep the header and the first strips: IFD0, stored at the end like the scanner's, is cut off.
        using (var f = new FileStream(input, FileMode.Open))
        {
            f.SetLength(f.Length / 2);
        }

        var r = await CliRunner.RunAsync(input, output);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains($"{input}: IFD offset", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("past the end of the file", r.StdErr, StringComparison.Ordinal);
        Assert.Equal(["cut.btf"], _dir.Files());
    }

    [SkippableFact]
    public async Task An_output_that_cannot_be_created_is_an_io_error_naming_the_output()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "uses /proc, where no file can be created");
        string input = _dir.File("in.btf");
        Inputs.WriteStripTiff(input, 64, 64);
        var r = await CliRunner.RunAsync(input, "/proc/btfconvert-test.tiff");
        Assert.Equal(ExitCodes.IoError, r.ExitCode);
        var errorLine = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains(" ERR ", StringComparison.Ordinal));
        Assert.StartsWith("/proc/btfconvert-test.tiff: cannot create the output", errorLine[(errorLine.IndexOf(" ERR ", StringComparison.Ordinal) + 5)..], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("convert", "", "out.tiff")]
    [InlineData("convert", "in.btf", " ")]
    [InlineData("info", "", null)]
    [InlineData("verify", "", null)]
    [InlineData("batch", "", "tiles")]
    public async Task Empty_locations_are_usage_errors(string command, string first, string? second)
    {
        string[] args = second is null ? [command, first] : [command, first, second];
        var r = await CliRunner.RunAsync(args);
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("must be a path or an s3:// URI, not empty", r.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("convert", "in.btf", "s3:/tiles/out.tiff")]
    [InlineData("batch", "scans", "s3:tiles/")]
    public async Task A_mistyped_s3_uri_is_a_usage_error_not_a_local_path(string command, string first, string second)
    {
        string input = _dir.File(first);
        if (command == "batch")
        {
            Directory.CreateDirectory(input);
        }
        else
        {
            Inputs.WriteStripTiff(input, 16, 16);
        }

        var r = await CliRunner.RunAsync(command, input, second, command == "batch" ? "--dry-run" : "-q");
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains($"{second}: not an S3 URI (expected s3://bucket/key)", r.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists("s3:"), "a local directory named s3: was created");
    }

    [Fact]
    public void Only_usage_exceptions_are_usage_errors_any_other_argument_exception_is_a_bug()
    {
        Assert.Equal(ExitCodes.UsageError, ErrorReporter.ExitCodeFor(new BtfConvert.Core.UsageException("--quality must be between 1 and 100"), cancelled: false));
        Assert.Equal(ExitCodes.InternalError, ErrorReporter.ExitCodeFor(new ArgumentException("head is 10 bytes but 20 were reserved"), cancelled: false));
        Assert.StartsWith("internal error: ", ErrorReporter.MessageFor(new ArgumentException("x"), cancelled: false), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--tile-size", "100")]
    [InlineData("--quality", "0")]
    [InlineData("--compression", "webp")]
    [InlineData("--bogus", "1")]
    public async Task Bad_options_are_usage_errors(string option, string value)
    {
        string input = _dir.File("in.btf");
        Inputs.WriteStripTiff(input, 16, 16);
        var r = await CliRunner.RunAsync(input, _dir.File("out.tiff"), option, value);
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.False(File.Exists(_dir.File("out.tiff")));
    }

    [Fact]
    public async Task Json_logs_are_one_object_per_line()
    {
        string input = _dir.File("in.btf");
        Inputs.WriteStripTiff(input, 100, 100);
        var r = await CliRunner.RunAsync(input, _dir.File("out.tiff"), "--log-format", "json");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        foreach (var line in r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            Assert.True(doc.RootElement.TryGetProperty("@t", out _));
        }
    }
}
