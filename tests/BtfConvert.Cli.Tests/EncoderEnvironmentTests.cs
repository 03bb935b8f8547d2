using BtfConvert.Core.Encoding.TurboJpeg;
using BtfConvert.Samples;

namespace BtfConvert.Cli.Tests;

/// <summary>
/// libjpeg-turbo reads TJ_* variables on every compression; left alone they would make tiles arithmetic-coded or
/// progressive (which readers reject) and the output depend on the environment instead of the options.
/// </summary>
public sealed class EncoderEnvironmentTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task Libjpeg_turbo_environment_variables_do_not_change_the_output()
    {
        Skip.IfNot(TurboJpegLibrary.IsAvailable, "libturbojpeg.so.0 is not installed");
        string input = _dir.File("in.btf");
        BtfSampleWriter.Write(input, new SampleSpec { Width = 600, Height = 400, Olympus = false });
        var plain = await CliRunner.RunIsolatedAsync(new Dictionary<string, string>(), input, _dir.File("plain.tiff"), "-q");
        Assert.True(plain.ExitCode == ExitCodes.Success, plain.Output);
        var polluted = await CliRunner.RunIsolatedAsync(
            TurboJpegLibrary.IgnoredEnvironment.ToDictionary(v => v, _ => "1"), input, _dir.File("polluted.tiff"), "-q");
        Assert.True(polluted.ExitCode == ExitCodes.Success, polluted.Output);
        Assert.Equal(RecordedTime.MaskedFile(_dir.File("plain.tiff")), RecordedTime.MaskedFile(_dir.File("polluted.tiff")));
    }
}
