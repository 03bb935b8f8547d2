namespace BtfConvert.Core.Verification;

/// <summary>
/// Problems of one check: the first few in words, the rest only counted. A damaged head can claim millions of
/// bad tiles; keeping every message would make the verifier the thing that runs out of memory.
/// </summary>
internal sealed class ProblemList
{
    private const int Kept = 3;
    private readonly List<string> _first = [];

    public long Count { get; private set; }

    public void Add(string problem)
    {
        if (_first.Count < Kept)
        {
            _first.Add(problem);
        }

        Count++;
    }

    public void AddRange(ProblemList other)
    {
        foreach (var p in other._first)
        {
            Add(p);
        }

        Count += other.Count - other._first.Count;
    }

    public override string ToString() => Count <= _first.Count
        ? string.Join("; ", _first)
        : string.Join("; ", _first) + OutputVerifier.Invariant($"; and {Count - _first.Count} more");
}
