namespace BtfConvert.Core.Conversion;

/// <summary>Where a conversion is: source rows consumed and bytes moved.</summary>
public readonly record struct ConversionProgress(long RowsDone, long TotalRows, long BytesRead, long BytesWritten)
{
    public double Fraction => TotalRows == 0 ? 1 : (double)RowsDone / TotalRows;
}
