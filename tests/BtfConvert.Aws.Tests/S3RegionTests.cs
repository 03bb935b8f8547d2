using Amazon.Runtime.CredentialManagement;

namespace BtfConvert.Aws.Tests;

/// <summary>With --endpoint-url, requests are signed for the region the user configured, as the AWS CLI finds it.</summary>
public sealed class S3RegionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private CredentialProfileStoreChain Profiles()
    {
        string path = _dir.File("credentials");
        File.WriteAllText(path, """
            [default]
            aws_access_key_id = A
            aws_secret_access_key = B
            region = eu-frankfurt-1

            [lab]
            aws_access_key_id = C
            aws_secret_access_key = D
            region = us-ashburn-1
            """);
        return new CredentialProfileStoreChain(path);
    }

    [Theory]
    [InlineData(null, null, null, "eu-frankfurt-1")]
    [InlineData(null, null, "lab", "us-ashburn-1")]
    [InlineData(null, "eu-west-3", "lab", "eu-west-3")]
    [InlineData("ap-south-1", "eu-west-3", "lab", "ap-south-1")]
    public void The_region_comes_from_the_environment_then_the_profile(string? awsRegion, string? defaultRegion, string? profile, string expected)
    {
        var environment = new Dictionary<string, string?> { ["AWS_REGION"] = awsRegion, ["AWS_DEFAULT_REGION"] = defaultRegion, ["AWS_PROFILE"] = profile };
        Assert.Equal(expected, S3ClientFactory.RegionFromEnvironment(v => environment.GetValueOrDefault(v), Profiles()));
    }

    [Fact]
    public void Nothing_configured_gives_no_region()
    {
        var empty = new CredentialProfileStoreChain(_dir.File("missing"));
        Assert.Null(S3ClientFactory.RegionFromEnvironment(_ => null, empty));
    }
}
