namespace BtfConvert.Core.Batch;

/// <summary>An input the plan already knows cannot be converted (unsafe key, colliding outputs, someone else's output).</summary>
public class BatchPlanException(string message) : Exception(message);
