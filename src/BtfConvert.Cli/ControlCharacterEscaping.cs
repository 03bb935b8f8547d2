using System.Globalization;
using System.Text;
using Serilog.Events;
using Serilog.Formatting;

namespace BtfConvert.Cli;

/// <summary>
/// Text log lines show control characters in values as escapes (<c>\n</c>, <c>\x1b</c>): a file may be named
/// <c>ansi-ESC[31mred.btf</c> or hold a newline, and printed raw the first recolours a terminal and the second
/// splits one log line into two for grep, cron mail and journald. JSON lines escape them already.
/// </summary>
public sealed class ControlCharacterEscaping(ITextFormatter inner) : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        if (!logEvent.Properties.Values.Any(HasControl))
        {
            inner.Format(logEvent, output);
            return;
        }

        var properties = logEvent.Properties.Select(p => new LogEventProperty(p.Key, HasControl(p.Value) ? new ScalarValue(Escape((string)((ScalarValue)p.Value).Value!)) : p.Value));
        inner.Format(new LogEvent(logEvent.Timestamp, logEvent.Level, logEvent.Exception, logEvent.MessageTemplate, properties), output);
    }

    private static bool HasControl(LogEventPropertyValue value) => value is ScalarValue { Value: string s } && s.Any(char.IsControl);

    /// <summary><paramref name="text"/> with every control character written as an escape; the rest as it is.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
