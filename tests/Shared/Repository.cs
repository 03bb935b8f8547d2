namespace BtfConvert.Tests.Shared;

/// <summary>The checkout the tests run from. Linked into every test project (tests/Shared).</summary>
public static class Repository
{
    /// <summary>The directory holding BtfConvert.sln, found above the test assembly.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "BtfConvert.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("cannot find the repository root (BtfConvert.sln) above " + AppContext.BaseDirectory);
        }
    }
}
