using BtfConvert.Core.IO;
using BtfConvert.Core.Pyramid;
using BtfConvert.Core.Source;
using BtfConvert.Samples;

namespace BtfConvert.Core.Tests.Source;

/// <summary>
/// The strip reader reads runs straight into the target's band when it offers the memory (no row copy), and pushes
/// rows otherwise; either way every row arrives once, in order, with the source's pixels.
/// </summary>
public class StripReaderTests
{
    /// <summary>A whole-image target (fine for a test) recording how rows arrived.</summary>
    private sealed class RecordingTarget(int width, int height, int bandRows, bool offersMemory) : IRowTarget
    {
        private int _next;

        public byte[] Image { get; } = new byte[width * 3 * height];
        public int RowsPushed { get; private set; }
        public int RowsCommitted { get; private set; }
        public int BandRows => bandRows;

        public Memory<byte> TryReserveRows(int firstRow, int count)
        {
            Assert.Equal(firstRow / bandRows, (firstRow + count - 1) / bandRows);
            return offersMemory ? Image.AsMemory(firstRow * width * 3, count * width * 3) : Memory<byte>.Empty;
        }

        public void CommitRows(int firstRow, int count)
        {
            Assert.Equal(_next, firstRow);
            _next += count;
            RowsCommitted += count;
        }

        public void PushRow(ReadOnlySpan<byte> row)
        {
            row.CopyTo(Image.AsSpan(_next++ * width * 3));
            RowsPushed++;
        }
    }

    [Theory]
    [InlineData(StripOrder.InOrder, true)]
    [InlineData(StripOrder.Shuffled, true)]
    [InlineData(StripOrder.InOrder, false)]
    public async Task Rows_arrive_in_order_read_in_place_when_the_target_offers_memory(StripOrder order, bool offersMemory)
    {
        var spec = new SampleSpec { Width = 301, Height = 203, RowsPerStrip = 16, StripOrder = order };
        using var file = new MemoryStream();
        BtfSampleWriter.Write(file, spec);
        var source = new MemoryByteSource("strips.btf", file.ToArray());
        var image = (await SourceInspector.InspectAsync(source, default)).Main;
        var target = new RecordingTarget(spec.Width, spec.Height, bandRows: 24, offersMemory);

        // 7 rows per read, 3 reads ahead: runs end at strip ends, at band ends (24 rows) and every 7 rows.
        StripReader.ReadRows(source, image, readSize: 7 * image.RowBytes, readAhead: 3, target, null, default);

        Assert.Equal(new TissuePattern(spec.Seed, spec.Width, spec.Height, 3).Render(), target.Image);
        Assert.Equal(offersMemory ? spec.Height : 0, target.RowsCommitted);
        Assert.Equal(offersMemory ? 0 : spec.Height, target.RowsPushed);
    }
}
