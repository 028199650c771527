using System.Net.Http.Json;
using System.Text.Json;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CaseEngine.GraphApi.Tests.Support;

/// <summary>GraphQL over HTTP against a <see cref="ServerProcess"/>, with Development tokens.</summary>
public sealed class RemoteApi(Uri graphql) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public Uri GraphQLUri { get; } = graphql;

    /// <summary>A token signed with the run's key, which <see cref="ServerProcess"/> gives the server.</summary>
    public static string Token(Role role, string sub, string? dept = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = sub, ["role"] = Roles.Name(role) };
        if (dept is not null)
            claims["dept"] = dept;
        var key = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(CaseEngine.Testing.TestKeys.SigningKey));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "caseengine",
            Audience = "caseengine",
            Claims = claims,
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    public async Task<JsonElement> Data(string query, object? variables = null, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, GraphQLUri) { Content = JsonContent.Create(new { query, variables }) };
        if (token is not null)
            request.Headers.Authorization = new("Bearer", token);
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(200, body);
        var root = JsonDocument.Parse(body).RootElement.Clone();
        root.TryGetProperty("errors", out _).ShouldBeFalse(body);
        return root.GetProperty("data");
    }

    public async Task<Guid> SubmitAsync()
    {
        var data = await Data(Petitions.SubmitMutation, Petitions.SubmitInput());
        return Guid.Parse(data.GetProperty("submitPetition").GetProperty("petition").GetProperty("id").GetString()!);
    }

    public Task ForwardAsync(Guid id) =>
        Data("mutation($input: ForwardPetitionInput!) { forwardPetition(input: $input) { petition { id } } }",
            new { input = new { commandId = Guid.NewGuid(), petitionId = id, toDepartmentId = "340101-EDU", mode = "TRANSFER", note = "请依法处理" } },
            Token(Role.Officer, "officer@340101-PO", "340101-PO"));

    /// <summary>The whole pull feed for the caller, page by page.</summary>
    public async Task<List<long>> FeedAsync(string token)
    {
        var sequences = new List<long>();
        long after = 0;
        while (true)
        {
            var page = (await Data("query($after: Long) { events(after: $after, first: 100) { sequence } }", new { after }, token))
                .GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).ToList();
            if (page.Count == 0)
                return sequences;
            sequences.AddRange(page);
            after = page[^1];
        }
    }

    public void Dispose() => _http.Dispose();
}
