using BtfConvert.Core.IO;

namespace BtfConvert.Core.Batch;

/// <summary>One input of a batch, where it goes, and what the plan decided (with the reason, shown by --dry-run).</summary>
/// <param name="Source">The listed input (location, size, ETag).</param>
/// <param name="RelativePath">Path below the source root, '/'-separated; what the globs match.</param>
/// <param name="Destination">Output location: the same relative path below the destination root, new suffix.</param>
/// <param name="ExistingOutput">The output found at planning time, if any (so a reconversion may replace it).</param>
public sealed record BatchItem(
    StorageObjectInfo Source,
    string RelativePath,
    string Destination,
    BatchAction Action,
    string Reason,
    StorageObjectInfo? ExistingOutput = null);
