using System.Reflection;

namespace BtfConvert.Core;

/// <summary>Name and version written into outputs and shown by --version.</summary>
public static class ProductInfo
{
    public const string Name = "btfconvert";

    public static string Version { get; } =
        typeof(ProductInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static string NameAndVersion => $"{Name} {Version}";
}
