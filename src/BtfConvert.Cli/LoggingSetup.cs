using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace BtfConvert.Cli;

/// <summary>Serilog is configured here and only here: stderr (text or JSON lines), optionally a file.</summary>
public static class LoggingSetup
{
    /// <param name="consoleWarningsOnly">Keep informational lines off the console (a live progress bar is there) but not out of the log file.</param>
    public static void Configure(string format, bool quiet, bool verbose, string? logFile, bool consoleWarningsOnly = false)
    {
        var level = verbose ? LogEventLevel.Debug : quiet ? LogEventLevel.Warning : LogEventLevel.Information;
        var consoleLevel = consoleWarningsOnly && level < LogEventLevel.Warning ? LogEventLevel.Warning : LogEventLevel.Verbose;
        var config = new LoggerConfiguration().MinimumLevel.Is(level);
        if (string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            config = config.WriteTo.Console(new CompactJsonFormatter(), consoleLevel, standardErrorFromLevel: LogEventLevel.Verbose);
        }
        else
        {
            var text = new MessageTemplateTextFormatter("{Timestamp:yyyy-MM-ddTHH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                System.Globalization.CultureInfo.InvariantCulture);
            config = config.WriteTo.Console(new ControlCharacterEscaping(text), consoleLevel, standardErrorFromLevel: LogEventLevel.Verbose);
        }

        if (!string.IsNullOrEmpty(logFile))
        {
            config = config.WriteTo.Sink(new LogFileSink(logFile), restrictedToMinimumLevel: LogEventLevel.Debug);
        }

        Log.Logger = config.CreateLogger();
    }
}
