namespace BtfConvert.Cli.Tests.Robustness;

/// <summary>Locates committed test data from the test binary's directory (bin/Release/net10.0 under the repo).</summary>
public static class RepositoryPaths
{
    public static string MalformedCorpus => Find(Path.Combine("tests", "TestData", "malformed"));

    private static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
