namespace BtfConvert.Core.IO;

/// <summary>Tells the kinds of location apart: an object-store URI has a scheme ("s3://"), a local path never does.</summary>
public static class StorageLocation
{
    public static bool IsRemote(string location) => location.Contains("://", StringComparison.Ordinal);
}
