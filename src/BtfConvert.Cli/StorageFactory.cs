using BtfConvert.Aws;
using BtfConvert.Core.IO;

namespace BtfConvert.Cli;

/// <summary>Composes the storages the CLI understands: s3:// URIs first, local paths as the catch-all.</summary>
public static class StorageFactory
{
    public static StorageRouter Create(StorageSettings settings) =>
        new([new S3Storage(ToS3Settings(settings)), new LocalStorage()]);

    /// <summary>The Aws project cannot see the CLI's settings type; this is the one place they meet.</summary>
    public static S3Settings ToS3Settings(StorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new S3Settings(settings.Profile, settings.Region, settings.EndpointUrl, settings.PathStyle)
        {
            MaxConcurrentReads = settings.MaxConcurrentReads,
        };
    }
}
