using System.Runtime.InteropServices;

namespace BtfConvert.Core.Encoding.TurboJpeg;

/// <summary>Whether libjpeg-turbo's TurboJPEG library can be used in this process; probed once.</summary>
internal static class TurboJpegLibrary
{
    private static readonly Lazy<string?> LoadError = new(Probe);

    /// <summary>True when <c>libturbojpeg.so.0</c> loads and a compressor can be created.</summary>
    public static bool IsAvailable => LoadError.Value is null;

    /// <summary>Why the library cannot be used, or null when it can.</summary>
    public static string? UnavailableReason => LoadError.Value;

    /// <summary>Environment variables through which libjpeg-turbo changes its output behind the API's back.</summary>
    public static readonly string[] IgnoredEnvironment = ["TJ_OPTIMIZE", "TJ_ARITHMETIC", "TJ_RESTART", "TJ_PROGRESSIVE"];

    private static string? Probe()
    {
        if (!NativeLibrary.TryLoad(TurboJpegNative.LibraryName, typeof(TurboJpegLibrary).Assembly, null, out var library))
        {
            return $"{TurboJpegNative.LibraryName} not found (install libturbojpeg0)";
        }

        foreach (string export in new[] { "tjInitCompress", "tjCompress2", "tjBufSize", "tjDestroy", "tjGetErrorStr2" })
        {
            if (!NativeLibrary.TryGetExport(library, export, out _))
            {
                return $"{TurboJpegNative.LibraryName} lacks {export} (libjpeg-turbo 2.0 or newer is needed)";
            }
        }

        // libjpeg-turbo 2.x reads these on every compression and would silently write arithmetic-coded,
        // progressive or restart-marked tiles (that many TIFF readers reject, and that differ run to run by
        // environment); our tiles must be baseline and depend only on the input and the options.
        foreach (string variable in IgnoredEnvironment)
        {
            TurboJpegNative.UnsetEnv(variable);
        }

        try
        {
            IntPtr handle = TurboJpegNative.InitCompress();
            if (handle == IntPtr.Zero)
            {
                return "tjInitCompress failed";
            }

            TurboJpegNative.Destroy(handle);
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return e.Message;
        }
    }
}
