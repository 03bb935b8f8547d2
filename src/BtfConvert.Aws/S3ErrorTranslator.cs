using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using BtfConvert.Core;

namespace BtfConvert.Aws;

/// <summary>
/// Turns SDK exceptions into the project's error types with one line a user can act on
/// ("s3://b/k: access denied ..."), and classifies failures worth retrying.
/// </summary>
internal static class S3ErrorTranslator
{
    /// <summary>Maps <paramref name="e"/> to a user-facing exception, or returns null to let it through unchanged.</summary>
    public static Exception? Translate(Exception e, string uri)
    {
        switch (e)
        {
            case StorageException or SourceChangedException or OutputExistsException or FileNotFoundException or OperationCanceledException:
                return null;
            case AmazonServiceException s:
                return TranslateService(s, uri);
            case AmazonClientException c when IsMissingCredentials(c):
                return new StorageException(
                    $"{uri}: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, use --profile, or run with an instance/container role)", e);
            case AmazonClientException or HttpRequestException or SocketException or IOException when IsUnreachable(e):
                return new StorageException($"{uri}: cannot reach the S3 endpoint ({Innermost(e).Message})", e);
            case AmazonClientException:
                return new StorageException($"{uri}: S3 request failed: {e.Message}", e);
            default:
                return null;
        }
    }

    private static StorageException TranslateService(AmazonServiceException s, string uri)
    {
        string code = s.ErrorCode ?? string.Empty;
        string detail = string.IsNullOrEmpty(s.Message) ? code : s.Message;
        return (s.StatusCode, code) switch
        {
            (_, "NoSuchBucket") => new StorageException($"{uri}: the bucket does not exist", s),
            (_, "InvalidAccessKeyId") => new StorageException($"{uri}: the AWS access key is not valid for this endpoint (InvalidAccessKeyId)", s),
            (_, "SignatureDoesNotMatch") => new StorageException($"{uri}: the AWS secret key does not match (SignatureDoesNotMatch); check the credentials and --region", s),
            (_, "ExpiredToken" or "TokenRefreshRequired") => new StorageException($"{uri}: the AWS session token has expired; refresh the credentials", s),
            (HttpStatusCode.Forbidden, _) => new StorageException($"{uri}: access denied ({detail}); the credentials need s3:GetObject/PutObject/ListBucket on this bucket", s),
            (HttpStatusCode.MovedPermanently or HttpStatusCode.BadRequest, "PermanentRedirect" or "AuthorizationHeaderMalformed") =>
                new StorageException($"{uri}: the bucket is in another region; pass --region ({detail})", s),
            _ => new StorageException($"{uri}: S3 error {(int)s.StatusCode} {code}: {detail}", s),
        };
    }

    public static bool IsNotFound(AmazonServiceException e) =>
        e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode is "NoSuchKey" or "NotFound" or "NoSuchBucket";

    /// <summary>Failures a later attempt may not see: server errors, throttling, timeouts, dropped connections.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        SourceChangedException or StorageException or EndOfStreamException or FileNotFoundException => false,
        AmazonServiceException s => (int)s.StatusCode >= 500 || (int)s.StatusCode == 429
            || s.ErrorCode is "SlowDown" or "Throttling" or "ThrottlingException" or "RequestTimeout" or "RequestTimeTooSkewed" or "InternalError",
        AmazonClientException c => !IsMissingCredentials(c) && c.InnerException is { } inner && IsTransient(inner),
        HttpRequestException or IOException or SocketException or TimeoutException => true,
        _ => false,
    };

    private static bool IsMissingCredentials(AmazonClientException e) =>
        e.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase);

    private static bool IsUnreachable(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpRequestException or SocketException)
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
