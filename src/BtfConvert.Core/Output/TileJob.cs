using BtfConvert.Core.Pyramid;
namespace BtfConvert.Core.Output;

/// <summary>
/// One tile on its way through the pipeline: the raw pixels for the encoding stage, and the encoded result the
/// ordered writer awaits in submission order.
/// </summary>
internal sealed class TileJob(int level, int tileIndex, TileView pixels)
{
    public int Level { get; } = level;
    public int TileIndex { get; } = tileIndex;

    /// <summary>The raw tile where it lies (usually a level band); released once encoded or abandoned.</summary>
    public TileView Pixels { get; } = pixels;
    public TaskCompletionSource<(byte[] Encoded, int Length)> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Complete(byte[] encoded, int length) => Result.TrySetResult((encoded, length));

    public void Fail(Exception e) => Result.TrySetException(e);
}
