namespace BtfConvert.Core;

// Bad input data is reported as System.IO.InvalidDataException and valid-but-unsupported input as
// System.NotSupportedException (the System.Formats.Tar convention); both carry "<file>: <problem>" messages.

/// <summary>The destination exists and overwriting was not requested.</summary>
public class OutputExistsException(string message) : IOException(message)
{
    /// <summary>How the user replaces an output, named in every refusal.</summary>
    public const string OverwriteHint = "use --overwrite to replace it";

    /// <summary>The one refusal every storage and the CLI give: "LOCATION: output exists (use --overwrite to replace it)".</summary>
    public static OutputExistsException For(string location) => new($"{location}: output exists ({OverwriteHint})");

    /// <summary>The refusal at publishing time, when another run wrote the output while this one converted.</summary>
    public static OutputExistsException AppearedWhileConverting(string location) =>
        new($"{location}: output appeared while converting ({OverwriteHint})");
}

/// <summary>The source object changed while it was being read (its ETag or size moved).</summary>
public class SourceChangedException(string message) : IOException(message);

/// <summary>A storage operation failed in a way the user must act on (credentials, access, missing bucket/key).</summary>
public class StorageException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// The command line asks for something impossible: an option out of range, the input as its own output, a malformed
/// location. Exit code 2; any other <see cref="ArgumentException"/> is a bug and reported as one.
/// </summary>
public class UsageException(string message, Exception? inner = null) : ArgumentException(message, inner);
