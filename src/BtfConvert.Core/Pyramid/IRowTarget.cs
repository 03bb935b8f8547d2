namespace BtfConvert.Core.Pyramid;

/// <summary>
/// Where a row reader delivers an image's rows, in order. Rows can be read straight into place: a reader asks for
/// the memory of rows [firstRow, firstRow + count), fills it (reads may be in flight for several such ranges) and
/// commits the ranges in row order; when no memory is offered now, it pushes the rows (a copy) instead.
/// </summary>
internal interface IRowTarget
{
    /// <summary>Rows per band: a range offered by <see cref="TryReserveRows"/> never crosses a multiple of it.</summary>
    int BandRows { get; }

    /// <summary>
    /// The memory of rows [<paramref name="firstRow"/>, +<paramref name="count"/>) when they can be read into place
    /// now (same band, and that band is free), else empty. Never blocks.
    /// </summary>
    Memory<byte> TryReserveRows(int firstRow, int count);

    /// <summary>The reserved rows [<paramref name="firstRow"/>, +<paramref name="count"/>) hold their pixels; must be the next rows.</summary>
    void CommitRows(int firstRow, int count);

    /// <summary>Copies the next row in.</summary>
    void PushRow(ReadOnlySpan<byte> row);
}
