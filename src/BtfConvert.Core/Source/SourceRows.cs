using BtfConvert.Core.IO;
using BtfConvert.Core.Pyramid;

namespace BtfConvert.Core.Source;

/// <summary>
/// Where the source side ends: the main image's rows, 8-bit, upright and in order, into the pyramid's top level. The
/// reader is picked by the image's layout (as libvips' <c>rtiff_pick_reader</c>): plain strips are read in place,
/// straight into the level-0 band when stored upright (the fast path) and pushed through the flip otherwise; anything
/// else is decoded and its rows pushed.
/// </summary>
internal static class SourceRows
{
    public static void Read(IByteSource input, SourceImage image, ImageOrientation orientation, int readSize, IRowTarget top,
        Action<long, long> onProgress, CancellationToken cancellationToken, StageTimings timings)
    {
        var onRow = orientation.Uprighting(image.RowBytes, image.SamplesPerPixel, row => top.PushRow(row));
        if (image.IsPlainStrips)
        {
            IRowTarget target = orientation.IsUpright ? top : new StripReader.PushOnly(onRow, top.BandRows);
            StripReader.ReadRows(input, image, readSize, input.PreferredConcurrency, target, onProgress,
                cancellationToken, timings, orientation.BottomUp);
        }
        else
        {
            DecodingRowReader.ReadRows(input, image, readSize, input.PreferredConcurrency, onRow, onProgress, cancellationToken, timings);
        }
    }
}
