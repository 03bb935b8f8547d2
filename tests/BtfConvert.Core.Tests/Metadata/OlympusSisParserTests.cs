using System.Buffers.Binary;
using BtfConvert.Core.Metadata;

namespace BtfConvert.Core.Tests.Metadata;

public class OlympusSisParserTests
{
    [Fact]
    public void Offsets_truncated_to_32_bits_are_moved_back_next_to_a_SIS_header_past_4GiB()
    {
        long sisHeader = 5474963016;
        long trueCalibration = sisHeader + 76;
        uint stored = (uint)(trueCalibration & 0xFFFFFFFF);
        var candidates = OlympusSisParser.CandidateOffsets(stored, sisHeader, 5474993000).ToList();
        Assert.Equal(trueCalibration, candidates[0]);
    }

    [Fact]
    public void Calibration_gives_the_pixel_size_in_metres()
    {
        var cal = new byte[112];
        BinaryPrimitives.WriteInt16LittleEndian(cal.AsSpan(10), -6);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(12), 0.3448);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(20), 0.3448);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(36), 20);
        "VC50"u8.CopyTo(cal.AsSpan(46));
        var sis = OlympusSisParser.ParseCalibration(cal, "slide", null);
        Assert.NotNull(sis);
        Assert.Equal(0.3448, sis!.MicronsPerPixelX, 9);
        Assert.Equal(20, sis.Magnification);
        Assert.Equal("VC50", sis.CameraName);
    }

    [Theory]
    [InlineData(-6, 0.0)]
    [InlineData(-6, double.NaN)]
    [InlineData(5, 0.3)]
    [InlineData(-6, 5000.0)]
    public void Implausible_calibrations_are_rejected(short lenExp, double xcal)
    {
        var cal = new byte[112];
        BinaryPrimitives.WriteInt16LittleEndian(cal.AsSpan(10), lenExp);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(12), xcal);
        BinaryPrimitives.WriteDoubleLittleEndian(cal.AsSpan(20), xcal);
        Assert.Null(OlympusSisParser.ParseCalibration(cal, "slide", null));
    }
}
