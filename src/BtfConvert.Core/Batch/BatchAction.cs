namespace BtfConvert.Core.Batch;

/// <summary>What the plan says to do with one input.</summary>
public enum BatchAction
{
    Convert,
    Skip,

    /// <summary>Known to fail before any work (e.g. two inputs map to one output, or the key escapes the destination).</summary>
    Fail,
}
