using System.Runtime.InteropServices;

namespace BtfConvert.Core.Encoding.TurboJpeg;

/// <summary>Whether libjpeg-turbo's TurboJPEG library can be used in this process; probed once.</summary>
public static class TurboJpegLibrary
{
    private static readonly Lazy<string?> LoadError = new(Probe);

    /// <summary>True when <c>libturbojpeg.so.0</c> loads and a compressor can be created.</summary>
    public static bool IsAvailable => LoadError.Value is null;

    /// <summary>Why the library cannot be used, or null when it can.</summary>
    public static string? UnavailableReason => LoadError.Value;

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
