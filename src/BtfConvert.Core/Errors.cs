namespace BtfConvert.Core;

/// <summary>The input is not a well-formed TIFF (or is damaged). Message names the file and the problem.</summary>
public class InvalidTiffException(string message, Exception? inner = null) : InvalidDataException(message, inner);

/// <summary>The input is a valid TIFF that this converter does not handle (compression, bit depth, layout).</summary>
public class UnsupportedTiffException(string message) : NotSupportedException(message);

/// <summary>The destination exists and overwriting was not requested.</summary>
public class OutputExistsException(string message) : IOException(message);

/// <summary>The source object changed while it was being read (its ETag or size moved).</summary>
public class SourceChangedException(string message) : IOException(message);

/// <summary>A storage operation failed in a way the user must act on (credentials, access, missing bucket/key).</summary>
public class StorageException(string message, Exception? inner = null) : IOException(message, inner);
