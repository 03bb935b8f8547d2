namespace BtfConvert.Core.Batch;

/// <summary>
/// Receives a batch run's events (the CLI logs them, draws progress and writes the report). Calls for different
/// items may come from several threads at once.
/// </summary>
public interface IBatchObserver
{
    void Started(BatchItem item);

    /// <summary>Source bytes read so far for <paramref name="item"/>.</summary>
    void Progress(BatchItem item, long bytesRead);

    void Warning(BatchItem item, string message);

    /// <summary>Something in the source listing that is not an input and could not be looked at (one line, starting with its location).</summary>
    void ListingWarning(string message)
    {
    }

    void Finished(BatchItemResult result);
}
