using System.Buffers.Binary;
using BtfConvert.Core.Metadata;
using BtfConvert.Core.Tiff;
using BtfConvert.Core.Tiff.Writing;

namespace BtfConvert.Core.Tests.Tiff;

/// <summary>The pixel size from X/YResolution (as OpenSlide 4 reads it, minus the software defaults), the objective power in a description, and the EXIF copy's rules.</summary>
public class TiffResolutionTests
{
    [Theory]
    [InlineData(3, 29002.32, 0.3448)] // a btfconvert output at 0.3448 µm
    [InlineData(2, 101600, 0.25)] // 25,400 µm / 101,600 dpi
    [InlineData(null, 50800, 0.5)] // no ResolutionUnit: the TIFF default, inch (OpenSlide reads it so too)
    public void Resolution_in_centimetres_or_inches_gives_the_pixel_size(int? unit, double perUnit, double expected)
    {
        var result = TiffResolution.Read(Directory(unit, perUnit, perUnit));
        Assert.Equal(expected, result.MicronsPerPixel!.Value, 4);
    }

    [Theory]
    [InlineData(TiffConstants.ResolutionUnitInch, 72, "72 per inch (352.8 µm) is a software default")] // the Olympus BTF, most software
    [InlineData(TiffConstants.ResolutionUnitInch, 300, "(84.7 µm) is a software default")]
    [InlineData(TiffConstants.ResolutionUnitCentimeter, 10, "10 per cm (1000 µm)")] // vips: 1 pixel per mm
    [InlineData(TiffConstants.ResolutionUnitNone, 29000, "ResolutionUnit 1 (none)")]
    [InlineData(TiffConstants.ResolutionUnitCentimeter, 0, "zero or invalid")]
    public void Defaults_and_unitless_resolutions_give_no_pixel_size_and_say_why(int unit, double perUnit, string why)
    {
        var result = TiffResolution.Read(Directory(unit, perUnit, perUnit));
        Assert.Null(result.MicronsPerPixel);
        Assert.Contains(why, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_different_y_resolution_is_noted_and_x_is_the_pixel_size()
    {
        var result = TiffResolution.Read(Directory(TiffConstants.ResolutionUnitCentimeter, 40000, 20000));
        Assert.Equal(0.25, result.MicronsPerPixel);
        Assert.Contains("Y gives 0.5 µm", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Web-optimized pyramidal TIFF made by btfconvert|mpp=0.3448|AppMag = 20|associated-images=1", 20.0)]
    [InlineData("Aperio Image Library v12.0.15\r\n46000x32914 [0,100 46000x32814] (256x256) JPEG/RGB Q=70|AppMag = 40|MPP = 0.2498", 40.0)]
    [InlineData("AppMag = 1.25", 1.25)]
    public void The_objective_power_is_read_as_large_image_reads_it(string description, double expected)
    {
        Assert.Equal(expected, ObjectivePower.FromDescription(description));
        Assert.Equal(expected, ObjectivePower.FromDescription(ObjectivePower.ToDescriptionPart(expected)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("no magnification here")]
    [InlineData("x|AppMag = 0|y")] // a scanner that did not know
    [InlineData("AppMag = twenty")]
    public void No_or_implausible_objective_power_is_none(string? description) => Assert.Null(ObjectivePower.FromDescription(description));

    [Fact]
    public void The_exif_copy_drops_jpeg_only_tags_and_raises_the_version_its_tags_need()
    {
        var exif = new TiffDirectory(0, new Dictionary<ushort, TiffField>
        {
            [0x9000] = new(0x9000, TiffFieldType.Undefined, 4, "0210"u8.ToArray(), true),
            [0xA002] = Long(0xA002, 45048),
            [0xA003] = Long(0xA003, 40466),
            [0xA402] = Short(0xA402, 1), // ExposureMode: EXIF 2.2
        }, 0);
        var copy = ExifDirectoryCopy.Create(exif)!;
        Assert.False(copy.Entries.ContainsKey(0xA002));
        Assert.False(copy.Entries.ContainsKey(0xA003));
        Assert.True(copy.Entries.ContainsKey(0xA402));
        var version = new byte[4];
        copy.Entries[0x9000].Write(version, bigTiff: false, _ => 0);
        Assert.Equal("0220"u8.ToArray(), version);
        Assert.True(copy.Entries.ContainsKey(0xA000)); // FlashpixVersion, mandatory
        Assert.True(copy.Entries.ContainsKey(0xA001)); // ColorSpace, mandatory
    }

    private static TiffDirectory Directory(int? unit, double x, double y)
    {
        var fields = new Dictionary<ushort, TiffField>
        {
            [TiffTag.XResolution] = Rational(TiffTag.XResolution, x),
            [TiffTag.YResolution] = Rational(TiffTag.YResolution, y),
        };
        if (unit is { } u)
        {
            fields[TiffTag.ResolutionUnit] = Short(TiffTag.ResolutionUnit, (ushort)u);
        }

        return new TiffDirectory(0, fields, 0);
    }

    private static TiffField Rational(ushort tag, double value)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)Math.Round(value * 100));
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), 100);
        return new TiffField(tag, TiffFieldType.Rational, 1, data, true);
    }

    private static TiffField Short(ushort tag, ushort value)
    {
        var data = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(data, value);
        return new TiffField(tag, TiffFieldType.Short, 1, data, true);
    }

    private static TiffField Long(ushort tag, uint value)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        return new TiffField(tag, TiffFieldType.Long, 1, data, true);
    }
}
