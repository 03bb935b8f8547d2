using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using BtfConvert.Core;

namespace BtfConvert.Aws;

/// <summary>
/// Builds the S3 client the way AWS users expect: the SDK's default credential chain (environment, shared
/// profiles, SSO, container and instance roles) unless --profile names a shared profile; --region or the SDK's own
/// region resolution; --endpoint-url / AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL for S3-compatible stores.
/// </summary>
public static class S3ClientFactory
{
    private const string DefaultRegion = "us-east-1";

    public static IAmazonS3 Create(S3Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string? endpoint = settings.EffectiveEndpoint();
        string? region = settings.Region;
        AWSCredentials? credentials = settings.Credentials;
        if (credentials is null && !string.IsNullOrEmpty(settings.Profile))
        {
            var chain = new CredentialProfileStoreChain();
            if (!chain.TryGetProfile(settings.Profile, out var profile)
                || !chain.TryGetAWSCredentials(settings.Profile, out credentials))
            {
                throw new StorageException(
                    $"AWS profile '{settings.Profile}' was not found in the shared config/credentials files (~/.aws/config, ~/.aws/credentials)");
            }

            region ??= profile.Region?.SystemName;
        }

        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.PathStyle,
            // Many S3-compatible stores (and older proxies) do not implement the flexible checksums that newer
            // SDKs add to every request; only send or verify them where the S3 API requires it.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = settings.RequestTimeout,
            MaxErrorRetry = settings.SdkMaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
        };

        if (endpoint is not null)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new UsageException($"{endpoint}: the S3 endpoint must be an http:// or https:// URL");
            }

            config.ServiceURL = endpoint;
            // Virtual-host addressing puts the bucket in the host name, which cannot work for an IP address or
            // localhost: use path style there even without --path-style.
            if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || uri.IsLoopback)
            {
                config.ForcePathStyle = true;
            }

            // S3-compatible stores sign with a region too (OCI: the tenancy's region; MinIO/Ceph: usually us-east-1).
            config.AuthenticationRegion = region
                ?? RegionFromEnvironment(Environment.GetEnvironmentVariable, new CredentialProfileStoreChain())
                ?? DefaultRegion;
        }
        else if (region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        try
        {
            return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
        }
        catch (AmazonClientException) when (endpoint is null && region is null)
        {
            // No region anywhere (no --region, AWS_REGION or profile region): S3 answers for every bucket from
            // us-east-1's global endpoint, so fall back to it rather than failing.
            config.RegionEndpoint = RegionEndpoint.USEast1;
            return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
        }
    }

    /// <summary>
    /// The region an AWS user has configured, as the CLI finds it: AWS_REGION, AWS_DEFAULT_REGION, then the region
    /// of AWS_PROFILE (or the default profile) in ~/.aws. Unlike the SDK's own fallback chain this never asks the
    /// EC2 instance-metadata endpoint, which off EC2 only costs a timeout.
    /// </summary>
    internal static string? RegionFromEnvironment(Func<string, string?> environment, ICredentialProfileSource profiles)
    {
        foreach (string variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
        {
            if (environment(variable) is { Length: > 0 } value)
            {
                return value;
            }
        }

        string profileName = environment("AWS_PROFILE") is { Length: > 0 } named ? named : "default";
        return profiles.TryGetProfile(profileName, out var profile) ? profile.Region?.SystemName : null;
    }
}
