namespace BtfConvert.Core.Batch;

/// <summary>How one input ended; written to the report in lower case.</summary>
public enum BatchStatus
{
    Converted,
    Skipped,
    Failed,
}
