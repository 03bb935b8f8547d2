using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace BtfConvert.Core.Record;

/// <summary>
/// The record as it travels inside the output: an XMP packet (TIFF tag 700, XMLPacket) in level 0's IFD, one
/// element per key in the <c>btfconvert:</c> namespace (<c>btfconvert:source-etag</c> for "btfconvert-source-etag").
/// Why XMP: libtiff knows tag 700, so tiffinfo, vips, OpenSlide and GDAL read the file without the "unknown tag"
/// warning a private tag (65000+) or GDAL_METADATA (42112) makes libtiff print on every open; XMP readers
/// (exiftool, GDAL's xml:XMP domain, vips' xmp-data) show it as what it is.
/// </summary>
internal static class OutputRecordXmp
{
    public const string Namespace = "urn:btfconvert:record:1";
    private const string Prefix = "btfconvert-";
    private static readonly XNamespace Rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    private static readonly XNamespace Record = Namespace;

    /// <summary>
    /// Marks a value stored as base64: a file name may hold any byte but '/' and NUL, and XML 1.0 cannot hold
    /// control characters (ESC in "ansi-\x1b[31mred.btf") even as references, and turns CR into LF on reading.
    /// </summary>
    private const string EncodingAttribute = "encoding";

    private static bool XmlCanHold(string value)
    {
        if (value.Contains('\r', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            XmlConvert.VerifyXmlChars(value);
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    public static byte[] Write(IReadOnlyDictionary<string, string> record)
    {
        var description = new XElement(Rdf + "Description", new XAttribute(Rdf + "about", string.Empty),
            new XAttribute(XNamespace.Xmlns + "btfconvert", Namespace));
        foreach (var (key, value) in record.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string name = key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : key;
            description.Add(XmlCanHold(value)
                ? new XElement(Record + name, value)
                : new XElement(Record + name, new XAttribute(Record + EncodingAttribute, "base64"), Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value))));
        }

        XNamespace x = "adobe:ns:meta/";
        var meta = new XElement(x + "xmpmeta", new XAttribute(XNamespace.Xmlns + "x", x.NamespaceName),
            new XElement(Rdf + "RDF", new XAttribute(XNamespace.Xmlns + "rdf", Rdf.NamespaceName), description));
        string xml = "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
            + meta.ToString(SaveOptions.DisableFormatting) + "<?xpacket end=\"r\"?>";
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(xml);
    }

    /// <summary>The record in an XMP packet; empty when there is none (someone else's XMP, damaged XML).</summary>
    public static Dictionary<string, string> Read(ReadOnlySpan<byte> packet)
    {
        var record = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            string text = System.Text.Encoding.UTF8.GetString(packet).TrimEnd('\0').TrimStart('\uFEFF');
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 1 << 20 };
            using var reader = XmlReader.Create(new StringReader(text), settings);
            foreach (var element in XDocument.Load(reader).Descendants().Where(e => e.Name.Namespace == Record && !e.HasElements))
            {
                record[Prefix + element.Name.LocalName] = (string?)element.Attribute(Record + EncodingAttribute) == "base64"
                    ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(element.Value))
                    : element.Value;
            }
        }
        catch (Exception e) when (e is XmlException or FormatException)
        {
            record.Clear();
        }

        return record;
    }
}
