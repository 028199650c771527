using System.Net.Http.Json;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseEngine.Bench.Faults;

/// <summary>What one HTTP exchange told the client.</summary>
public enum Answer
{
    /// <summary>200 with data and no error: the command was carried out (or had been, for a repeat).</summary>
    Acknowledged,

    /// <summary>A coded refusal from a rule (VALIDATION, NOT_FOUND, INVALID_TRANSITION, ...): nothing was appended.</summary>
    Refused,

    /// <summary>Transport error, timeout, 5xx, INTERNAL, UNAVAILABLE or RATE_LIMITED: the client cannot know what happened.</summary>
    Unknown,
}

public readonly record struct Reply(Answer Answer, string? Code, JsonElement Data, string? Detail);

/// <summary>
/// GraphQL over HTTP for the fault run's clients, with tokens signed by the run's key, and the one
/// classification that matters under faults: acknowledged, refused with a code, or unknown.
/// </summary>
public sealed class GraphQLCaller(string signingKey) : IDisposable
{
    /// <summary>Codes a rule gives; anything else (INTERNAL, RATE_LIMITED, none) leaves the outcome unknown.</summary>
    private static readonly HashSet<string> RefusalCodes =
        ["UNAUTHENTICATED", "VALIDATION", "QUERY_TOO_COMPLEX", "NOT_FOUND", "FORBIDDEN", "CONCURRENCY_CONFLICT", "INVALID_TRANSITION", "DEADLINE_PASSED"];

    // Short-lived pooled connections: a restarted node is reached on fresh sockets.
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(3),
    })
    // Generous: a node that has just started compiles each command's handler on its first use (Wolverine's
    // runtime code generation), which takes seconds on a loaded machine.
    { Timeout = TimeSpan.FromSeconds(60) };

    private readonly Dictionary<string, string> _tokens = [];

    /// <summary>A bearer token (cached per caller), valid for the whole run.</summary>
    public string Token(Role role, string sub, string? dept = null)
    {
        var key = $"{role}|{sub}|{dept}";
        lock (_tokens)
        {
            if (_tokens.TryGetValue(key, out var cached))
                return cached;
            var claims = new Dictionary<string, object> { ["sub"] = sub, ["role"] = Roles.Name(role) };
            if (dept is not null)
                claims["dept"] = dept;
            var signing = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(signingKey));
            return _tokens[key] = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = "caseengine",
                Audience = "caseengine",
                Claims = claims,
                Expires = DateTime.UtcNow.AddHours(12),
                SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.HmacSha256),
            });
        }
    }

    public async Task<Reply> SendAsync(Uri graphql, string query, object? variables, string? token, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, graphql) { Content = JsonContent.Create(new { query, variables }) };
        if (token is not null)
            request.Headers.Authorization = new("Bearer", token);
        string body;
        int status;
        try
        {
            using var response = await _http.SendAsync(request, ct);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return new Reply(Answer.Unknown, null, default, $"{e.GetType().Name} ({(e.InnerException ?? e).GetType().Name})");
        }
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return new Reply(Answer.Unknown, null, default, $"HTTP {status}, not JSON");
        }
        if (root.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0)
        {
            var code = errors[0].TryGetProperty("extensions", out var ext) && ext.TryGetProperty("code", out var c) ? c.GetString() : null;
            return code is not null && RefusalCodes.Contains(code) && status < 500
                ? new Reply(Answer.Refused, code, default, null)
                : new Reply(Answer.Unknown, code, default, $"HTTP {status} {code}");
        }
        if (status != 200 || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            return new Reply(Answer.Unknown, null, default, $"HTTP {status}");
        return new Reply(Answer.Acknowledged, null, data, null);
    }

    public void Dispose() => _http.Dispose();
}
