using System.CommandLine;

namespace BtfConvert.Cli;

/// <summary>A path or s3:// URI on the command line; an empty one is a usage error at parse time, not a crash later.</summary>
public static class LocationArgument
{
    public static Argument<string> Create(string name, string description)
    {
        var argument = new Argument<string>(name) { Description = description };
        argument.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError($"{name} must be a path or an s3:// URI, not empty");
            }
        });
        return argument;
    }
}
