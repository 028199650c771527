using System.Net.Sockets;
using System.Text;
using CaseEngine.GraphApi.Tests.Subscriptions;
using CaseEngine.GraphApi.Tests.Support;
using CaseEngine.Testing;
using Microsoft.Extensions.Logging;

namespace CaseEngine.GraphApi.Tests.Http;

/// <summary>
/// A body the server cannot read (a chunk that is not a chunk; a body that ends before its length, as when
/// the bench's client process was killed mid-request) is the client's error: real Kestrel throws
/// BadHttpRequestException while the body is read, which was answered 500 INTERNAL and logged at Error with
/// a stack trace, as a failure of ours.
/// </summary>
public class when_a_request_body_cannot_be_read(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task it_is_answered_400_validation_and_logged_as_no_error_of_ours()
    {
        var logs = new LogCapture();
        using var api = await KestrelApi.StartAsync(db, logs: logs);
        using var client = new TcpClient();
        await client.ConnectAsync(api.BaseUri.Host, api.BaseUri.Port);
        var stream = client.GetStream();
        const string start = "{\"query\":\"{ __typename }\", \"variables\": {\"secret\": \"张三丰";
        var request = $"POST /graphql HTTP/1.1\r\nHost: {api.BaseUri.Authority}\r\nContent-Type: application/json\r\n" +
            $"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{Encoding.UTF8.GetByteCount(start):x}\r\n{start}\r\nzz-not-a-chunk-size\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var response = await new StreamReader(stream, Encoding.UTF8).ReadToEndAsync(timeout.Token);

        response.ShouldStartWith("HTTP/1.1 400");
        response.ShouldContain("\"VALIDATION\"");
        response.ShouldNotContain("INTERNAL");
        response.ShouldNotContain("张三丰");
        logs.Lines.ShouldNotContain(l => l.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal) || l.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal));
        logs.Lines.ShouldNotContain(l => l.Contains("张三丰", StringComparison.Ordinal));
    }
}
