namespace BtfConvert.Samples.Malformed;

/// <summary>One damaged input and what btfconvert must do with it.</summary>
/// <param name="Name">File name stem (the file is <c>Name.btf</c>).</param>
/// <param name="Damage">What was done to a valid sample, in words.</param>
/// <param name="ExitCode">Expected exit code of <c>info</c> and <c>convert</c> (3 = bad input; 0 = must still convert).</param>
/// <param name="Expect">Fragment of the one error line (exit 3) or of a warning (exit 0; empty = no warning needed).</param>
/// <param name="Bytes">The file's content.</param>
public sealed record MalformedCase(string Name, string Damage, int ExitCode, string Expect, byte[] Bytes)
{
    public string FileName => Name + ".btf";
    public bool MustConvert => ExitCode == 0;
}
