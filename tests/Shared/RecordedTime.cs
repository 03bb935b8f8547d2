namespace BtfConvert.Tests.Shared;

/// <summary>
/// An output records when it was converted (the XMP element btfconvert:time, fixed width), the only field that
/// differs between two runs of the same conversion; comparisons of whole outputs blank it out.
/// </summary>
public static class RecordedTime
{
    public static byte[] Masked(byte[] output)
    {
        byte[] copy = (byte[])output.Clone();
        int start = copy.AsSpan().IndexOf("<btfconvert:time>"u8);
        int end = start < 0 ? -1 : copy.AsSpan(start).IndexOf("</btfconvert:time>"u8);
        if (end < 0)
        {
            throw new InvalidOperationException("the output records no time");
        }

        copy.AsSpan(start, end).Clear();
        return copy;
    }

    public static byte[] MaskedFile(string path) => Masked(File.ReadAllBytes(path));
}
