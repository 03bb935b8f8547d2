namespace BtfConvert.Core.Conversion;

/// <summary>
/// One tile on its way through the pipeline: the raw pixels for the encoding stage, and the encoded result the
/// ordered writer awaits in submission order.
/// </summary>
internal sealed class TileJob(int level, int tileIndex, byte[] pixels)
{
    public int Level { get; } = level;
    public int TileIndex { get; } = tileIndex;
    public byte[] Pixels { get; } = pixels;
    public TaskCompletionSource<(byte[] Encoded, int Length)> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Complete(byte[] encoded, int length) => Result.TrySetResult((encoded, length));

    public void Fail(Exception e) => Result.TrySetException(e);
}
