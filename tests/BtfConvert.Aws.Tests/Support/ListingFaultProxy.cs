using System.Net;
using System.Text;

namespace BtfConvert.Aws.Tests.Support;

public enum ListingFault
{
    /// <summary>The real first page, but marked truncated with a continuation token that every later page repeats.</summary>
    RepeatedToken,

    /// <summary>Pages without end: each empty, truncated, with a new token (the listing never makes progress).</summary>
    EmptyPagesForever,
}

/// <summary>
/// An HTTP proxy on 127.0.0.1 in front of s3rver that makes ListObjectsV2 (<c>GET ?list-type=2</c>) misbehave as a
/// faulty store does; every other request is forwarded unchanged (headers, Host included, so signatures still
/// match). HTTP-level, unlike <see cref="TcpFaultProxy"/>, because the fault is in the body's XML.
/// </summary>
public sealed class ListingFaultProxy : IDisposable
{
    private const string LoopToken = "the-same-token";
    private readonly HttpListener _listener = new();
    private readonly HttpClient _client = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
    private readonly string _target;
    private readonly ListingFault _fault;
    private readonly Task _loop;
    private byte[]? _firstPage;
    private int _listings;

    public ListingFaultProxy(int targetPort, ListingFault fault)
    {
        _target = $"http://127.0.0.1:{targetPort}";
        _fault = fault;
        Port = S3ServerFixture.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>ListObjectsV2 requests answered so far.</summary>
    public int Listings => Volatile.Read(ref _listings);

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            bool listing = request.HttpMethod == "GET" && request.QueryString["list-type"] == "2";
            if (listing)
            {
                Interlocked.Increment(ref _listings);
            }

            if (listing && (_fault == ListingFault.EmptyPagesForever || request.QueryString["continuation-token"] is not null))
            {
                await AnswerAsync(context.Response, 200, _fault == ListingFault.EmptyPagesForever ? EmptyPage(Listings) : _firstPage!);
                return;
            }

            using var forwarded = new HttpRequestMessage(new HttpMethod(request.HttpMethod), _target + request.RawUrl);
            if (request.HasEntityBody)
            {
                using var body = new MemoryStream();
                await request.InputStream.CopyToAsync(body);
                forwarded.Content = new ByteArrayContent(body.ToArray());
            }

            foreach (string name in request.Headers.AllKeys.OfType<string>())
            {
                string? value = request.Headers[name];
                if (!forwarded.Headers.TryAddWithoutValidation(name, value) && forwarded.Content is not null)
                {
                    forwarded.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }

            using var answer = await _client.SendAsync(forwarded);
            byte[] bytes = await answer.Content.ReadAsByteArrayAsync();
            if (listing && answer.IsSuccessStatusCode)
            {
                // The real first page, told it is not the last, pointing at a token every later page repeats.
                string xml = Encoding.UTF8.GetString(bytes).Replace("<IsTruncated>false</IsTruncated>",
                    $"<IsTruncated>true</IsTruncated><NextContinuationToken>{LoopToken}</NextContinuationToken>", StringComparison.Ordinal);
                bytes = _firstPage = Encoding.UTF8.GetBytes(xml);
            }

            foreach (var header in answer.Headers.Concat(answer.Content.Headers))
            {
                if (header.Key is not ("Content-Length" or "Transfer-Encoding" or "Connection"))
                {
                    context.Response.Headers[header.Key] = string.Join(",", header.Value);
                }
            }

            await AnswerAsync(context.Response, (int)answer.StatusCode, bytes);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // the client went away (the batch refused the listing and exited)
        }
    }

    private static byte[] EmptyPage(int n) => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
        $"<Name>{S3ServerFixture.Bucket}</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>" +
        $"<IsTruncated>true</IsTruncated><NextContinuationToken>page-{n}</NextContinuationToken></ListBucketResult>");

    private static async Task AnswerAsync(HttpListenerResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
        response.Close();
    }

    public void Dispose()
    {
        _listener.Close();
        _client.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }
}
