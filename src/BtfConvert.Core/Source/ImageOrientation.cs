using BtfConvert.Core.Tiff;

namespace BtfConvert.Core.Source;

/// <summary>
/// The TIFF Orientation tag (274) of the main image and how rows are delivered so the output is upright. The flips
/// stream: 2 mirrors each row, 4 reads the rows bottom-up (still one pass: strips are read in reverse order, each
/// once), 3 (180°) does both. 5–8 store the image transposed: the first upright row is the source's first
/// *column*, so nothing can be written before the last source row is read. Turning a 45,056 × 40,448 RGB slide
/// needs all 5.5 GB of it in memory (the budget is 256 MB), so those are refused unless converted as stored.
/// </summary>
public readonly record struct ImageOrientation(int Value)
{
    public static ImageOrientation Upright { get; } = new(1);

    /// <summary>Orientation of <paramref name="dir"/>: absent, or outside 1–8 (libtiff warns and uses 1), means upright.</summary>
    public static ImageOrientation Of(TiffDirectory dir) =>
        dir.GetUInt64(TiffTag.Orientation) is { } v and >= 1 and <= 8 ? new((int)v) : Upright;

    /// <summary>A warning when the tag holds something other than 1–8 (the image is then taken as stored).</summary>
    public static string? InvalidValueWarning(TiffDirectory dir) =>
        dir[TiffTag.Orientation] is { } f && !(f.IsInteger && f.Count > 0 && f.GetUInt64() is >= 1 and <= 8)
            ? "the Orientation tag holds no value from 1 to 8; the image is taken as stored (top-left)"
            : null;

    public bool IsUpright => Value == 1;

    /// <summary>Each row is mirrored left-right (2 and 3).</summary>
    public bool MirrorsRows => Value is 2 or 3;

    /// <summary>The upright image's first row is the stored last one (3 and 4).</summary>
    public bool BottomUp => Value is 3 or 4;

    /// <summary>Rows and columns are swapped (5–8); not done while streaming.</summary>
    public bool Transposes => Value >= 5;

    public string Describe() => Value switch
    {
        1 => "1 (top-left, upright)",
        2 => "2 (top-right: mirrored left-right)",
        3 => "3 (bottom-right: rotated 180°)",
        4 => "4 (bottom-left: mirrored top-bottom)",
        5 => "5 (left-top: transposed)",
        6 => "6 (right-top: rotated 90° clockwise to view)",
        7 => "7 (right-bottom: transversed)",
        _ => "8 (left-bottom: rotated 90° counter-clockwise to view)",
    };

    /// <summary>The stored row that is upright row <paramref name="y"/> (flips only).</summary>
    public int StoredRow(int y, int height) => BottomUp ? height - 1 - y : y;

    /// <summary>The stored column where <paramref name="width"/> upright pixels from column <paramref name="x"/> begin (flips only).</summary>
    public int StoredColumn(int x, int count, int width) => MirrorsRows ? width - x - count : x;

    /// <summary>Copies <paramref name="row"/> into <paramref name="into"/> with its pixels in reverse order.</summary>
    internal static void Mirror(ReadOnlySpan<byte> row, Span<byte> into, int samplesPerPixel)
    {
        int pixels = row.Length / samplesPerPixel;
        for (int x = 0, from = row.Length - samplesPerPixel; x < pixels; x++, from -= samplesPerPixel)
        {
            row.Slice(from, samplesPerPixel).CopyTo(into[(x * samplesPerPixel)..]);
        }
    }

    /// <summary>
    /// <paramref name="onRow"/> fed upright rows: mirrored through one row of scratch when the orientation mirrors,
    /// unchanged otherwise (bottom-up order is the reader's job: <see cref="BottomUp"/>).
    /// </summary>
    internal Action<ReadOnlySpan<byte>> Uprighting(int rowBytes, int samplesPerPixel, Action<ReadOnlySpan<byte>> onRow)
    {
        if (!MirrorsRows)
        {
            return onRow;
        }

        var scratch = new byte[rowBytes];
        return row =>
        {
            Mirror(row, scratch, samplesPerPixel);
            onRow(scratch);
        };
    }

    /// <summary>
    /// Refuses 5–8 unless the caller converts as stored, and 3–4 when the row source cannot read bottom-up (the
    /// decoding reader goes through compressed strips or tiles front to back); the message names the orientation,
    /// why, and the option.
    /// </summary>
    /// <exception cref="NotSupportedException">An orientation this conversion cannot turn upright, without <paramref name="asStored"/>.</exception>
    internal void CheckConvertible(string name, SourceImage image, bool asStored, bool readsBottomUp)
    {
        if (asStored || !(Transposes || (BottomUp && !readsBottomUp)))
        {
            return;
        }

        if (!Transposes)
        {
            throw new NotSupportedException(
                $"{name}: orientation {Describe()} is turned upright only for uncompressed strip inputs (this one is decoded front to back); use {AsStoredOption} to convert it as stored");
        }

        long bytes = (long)image.Width * image.Height * image.SamplesPerPixel;
        throw new NotSupportedException(
            $"{name}: orientation {Describe()} is stored transposed; turning it upright is not done while streaming (it needs the whole image in memory: {Math.Max(1, bytes >> 20)} MiB here, 5.5 GB for a 45,056 x 40,448 slide, against a 256 MB budget); use {AsStoredOption} to convert it as stored");
    }

    /// <summary>The command-line option that converts a transposed image as stored.</summary>
    public const string AsStoredOption = "--ignore-orientation";
}
