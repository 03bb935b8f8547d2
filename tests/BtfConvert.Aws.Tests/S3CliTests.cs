using BtfConvert.Aws.Tests.Support;
using BtfConvert.Cli;

namespace BtfConvert.Aws.Tests;

/// <summary>The command line with s3:// on either side, against the real server, compared with local→local.</summary>
[Collection(S3Collection.Name)]
public sealed class S3CliTests(S3ServerFixture server) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Endpoint => ["--endpoint-url", server.Endpoint, "--path-style"];

    [SkippableTheory]
    [InlineData("deflate")]
    [InlineData("jpeg")]
    public async Task Local_to_s3_s3_to_local_and_s3_to_s3_give_the_tiles_of_local_to_local(string compression)
    {
        server.Require();
        string input = _dir.File("in.btf");
        File.WriteAllBytes(input, SampleInputs.Btf(700, 500));
        var r = await CliRunner.RunAsync("convert", input, _dir.File("local.tiff"), "--compression", compression);
        Assert.True(r.ExitCode == 0, r.Output);
        byte[] expected = File.ReadAllBytes(_dir.File("local.tiff"));

        string prefix = server.NewKey(string.Empty);
        string s3Input = server.Uri(prefix + "in.btf");
        await server.PutAsync(prefix + "in.btf", File.ReadAllBytes(input));

        r = await CliRunner.RunAsync(["convert", input, server.Uri(prefix + "from-local.tiff"), "--compression", compression, .. Endpoint]);
        Assert.True(r.ExitCode == 0, r.Output);
        // Same input location: the same file, up to the recorded time.
        Assert.Equal(RecordedTime.Masked(expected), RecordedTime.Masked((await server.GetAsync(prefix + "from-local.tiff"))!));

        r = await CliRunner.RunAsync(["convert", s3Input, _dir.File("from-s3.tiff"), "--compression", compression, .. Endpoint]);
        Assert.True(r.ExitCode == 0, r.Output);
        // Another input location, recorded in the head: the same tiles.
        await TiffTiles.AssertSameAsync(expected, File.ReadAllBytes(_dir.File("from-s3.tiff")));

        // Shorthand, and an output "directory" (prefix ending in /) that takes the input's name.
        r = await CliRunner.RunAsync([s3Input, server.Uri(prefix + "out/"), "--compression", compression, .. Endpoint]);
        Assert.True(r.ExitCode == 0, r.Output);
        await TiffTiles.AssertSameAsync(expected, (await server.GetAsync(prefix + "out/in.tiff"))!);

        // The metadata the batch mode relies on to skip up-to-date outputs.
        using var storage = new S3Storage(server.Settings());
        var source = await storage.GetInfoAsync(s3Input, default);
        var output = await storage.GetInfoAsync(server.Uri(prefix + "out/in.tiff"), default);
        Assert.Equal(s3Input, output!.Metadata["btfconvert-source"]);
        Assert.Equal(source!.ETag, output.Metadata["btfconvert-source-etag"]);
        Assert.Equal(source.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), output.Metadata["btfconvert-source-size"]);
        Assert.False(string.IsNullOrEmpty(output.Metadata["btfconvert-options"]));
    }

    [SkippableFact]
    public async Task Info_reads_an_s3_input_and_an_ip_endpoint_implies_path_style()
    {
        server.Require();
        string key = server.NewKey("slide.btf");
        await server.PutAsync(key, SampleInputs.Btf(700, 500));
        // No --path-style: an endpoint given as an IP address implies it.
        var r = await CliRunner.RunAsync("info", server.Uri(key), "--json", "--endpoint-url", server.Endpoint);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("\"width\": 700", r.StdOut, StringComparison.Ordinal);
        Assert.Contains(server.Uri(key), r.StdOut, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_existing_s3_output_is_refused_and_kept()
    {
        server.Require();
        string input = _dir.File("in.btf");
        File.WriteAllBytes(input, SampleInputs.Btf(300, 200));
        string key = server.NewKey("out.tiff");
        await server.PutAsync(key, "precious"u8.ToArray());
        var r = await CliRunner.RunAsync(["convert", input, server.Uri(key), .. Endpoint]);
        Assert.Equal(ExitCodes.OutputExists, r.ExitCode);
        Assert.Contains($"{server.Uri(key)}: output exists", r.StdErr, StringComparison.Ordinal);
        Assert.Equal("precious"u8.ToArray(), await server.GetAsync(key));

        r = await CliRunner.RunAsync(["convert", input, server.Uri(key), "--overwrite", .. Endpoint]);
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.NotEqual("precious"u8.ToArray(), await server.GetAsync(key));
    }

    [SkippableFact]
    public async Task A_missing_key_is_bad_input_with_one_clear_line()
    {
        server.Require();
        string uri = server.Uri(server.NewKey("missing.btf"));
        var r = await CliRunner.RunAsync(["info", uri, .. Endpoint]);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains($"{uri}: no such object", r.StdErr, StringComparison.Ordinal);

        r = await CliRunner.RunAsync(["convert", uri, _dir.File("out.tiff"), .. Endpoint]);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains($"{uri}: no such", r.StdErr, StringComparison.Ordinal);
        Assert.Empty(_dir.Files());
    }

    [SkippableFact]
    public async Task A_wrong_bucket_is_a_storage_error_on_either_side()
    {
        server.Require();
        string input = _dir.File("in.btf");
        File.WriteAllBytes(input, SampleInputs.Btf(300, 200));
        var r = await CliRunner.RunAsync(["info", "s3://no-such-bucket/in.btf", .. Endpoint]);
        Assert.Equal(ExitCodes.IoError, r.ExitCode);
        Assert.Contains("s3://no-such-bucket/in.btf: the bucket 'no-such-bucket' does not exist", r.StdErr, StringComparison.Ordinal);

        r = await CliRunner.RunAsync(["convert", input, "s3://no-such-bucket/out.tiff", .. Endpoint]);
        Assert.Equal(ExitCodes.IoError, r.ExitCode);
        Assert.Contains("s3://no-such-bucket/out.tiff: the bucket 'no-such-bucket' does not exist", r.StdErr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Access_denied_is_a_storage_error_naming_the_object()
    {
        server.Require();
        string key = server.NewKey("in.btf");
        await server.PutAsync(key, SampleInputs.Btf(300, 200));
        await using var proxy = new TcpFaultProxy(server.Port);
        proxy.Arm("HEAD", FaultKind.Forbidden, int.MaxValue);
        var r = await CliRunner.RunAsync("info", server.Uri(key), "--endpoint-url", proxy.Endpoint, "--path-style");
        Assert.Equal(ExitCodes.IoError, r.ExitCode);
        Assert.Contains($"{server.Uri(key)}: access denied", r.StdErr, StringComparison.Ordinal);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }

    [SkippableFact]
    public async Task An_unreachable_endpoint_is_a_storage_error()
    {
        server.Require();
        int port = S3ServerFixture.FreePort();
        var r = await CliRunner.RunAsync("info", "s3://bucket/in.btf", "--endpoint-url", $"http://127.0.0.1:{port}", "--path-style");
        Assert.Equal(ExitCodes.IoError, r.ExitCode);
        Assert.Contains("s3://bucket/in.btf: cannot reach the S3 endpoint", r.StdErr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_unknown_profile_is_a_storage_error()
    {
        server.Require();
        var r = await CliRunner.RunAsync("info", "s3://bucket/in.btf", "--profile", "no-such-profile-btfconvert", "--endpoint-url", server.Endpoint);
        Assert.Equal(ExitCodes.IoError, r.ExitCode);
        Assert.Contains("AWS profile 'no-such-profile-btfconvert' was not found", r.StdErr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task No_credentials_anywhere_is_a_storage_error_that_says_so()
    {
        server.Require();
        string key = server.NewKey("in.btf");
        await server.PutAsync(key, SampleInputs.Btf(300, 200));
        // A child process with an empty home and no AWS variables: the default chain finds nothing.
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _dir.Path,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_SHARED_CREDENTIALS_FILE"] = _dir.File("no-credentials"),
            ["AWS_CONFIG_FILE"] = _dir.File("no-config"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        var r = await CliRunner.RunIsolatedAsync(env, "info", server.Uri(key), "--endpoint-url", server.Endpoint, "--path-style");
        Assert.True(r.ExitCode == ExitCodes.IoError, r.Output);
        Assert.Contains($"{server.Uri(key)}: no AWS credentials found", r.StdErr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_shared_profile_and_the_endpoint_variable_are_enough_to_reach_the_store()
    {
        server.Require();
        string key = server.NewKey("in.btf");
        await server.PutAsync(key, SampleInputs.Btf(300, 200));
        File.WriteAllText(_dir.File("credentials"),
            $"[btftest]\naws_access_key_id = {S3ServerFixture.AccessKey}\naws_secret_access_key = {S3ServerFixture.SecretKey}\n");
        var env = new Dictionary<string, string>
        {
            ["HOME"] = _dir.Path,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_SHARED_CREDENTIALS_FILE"] = _dir.File("credentials"),
            ["AWS_CONFIG_FILE"] = _dir.File("no-config"),
            ["AWS_ENDPOINT_URL_S3"] = server.Endpoint,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        var r = await CliRunner.RunIsolatedAsync(env, "info", server.Uri(key), "--profile", "btftest", "--json");
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("\"width\": 300", r.StdOut, StringComparison.Ordinal);
    }
}
