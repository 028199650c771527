using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using CaseEngine.Domain;
using CaseEngine.GraphApi.Auth;
using CaseEngine.GraphApi.Reading;
using GraphQL;
using GraphQL.Transport;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CaseEngine.GraphApi.Http;
/// <summary>
/// One graphql-transport-ws socket, its protocol half: each whole message read as the protocol's
/// (connection_init with the bearer token, ping / pong, subscribe, complete; <see cref="MessageTypes"/>),
/// the operations it runs through the one execution of HTTP and WebSocket (<see cref="GraphQLExecution"/>),
/// and the token's lifetime (at its exp every operation stops and the socket closes with 4403).
/// </summary>
internal sealed partial class GraphQLWebSocketConnection
{
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private int _initReceived;
    private volatile bool _acknowledged;
    private Caller _caller = Caller.AnonymousPetitioner;
    // The token's exp (UTC ticks; MaxValue: anonymous, never expires), on the injected clock.
    private long _expiresUtcTicks = long.MaxValue;
    private Task _expiryWatch = Task.CompletedTask;

    private const string ExpiredReason = "Forbidden: the token has expired; sign in again and resubscribe with after";

    private sealed class Operation(CancellationTokenSource cts)
    {
        public CancellationTokenSource Cancellation { get; } = cts;
        public IDisposable? Subscription { get; set; }
    }

    private async Task OnMessageAsync(ReadOnlyMemory<byte> bytes)
    {
        string? type, id = null;
        JsonElement payload = default;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
            {
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "a message is a JSON object with a string type");
                return;
            }
            type = t.GetString();
            if (root.TryGetProperty("id", out var i))
            {
                if (i.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(i.GetString()))
                {
                    await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "id must be a non-empty string");
                    return;
                }
                id = i.GetString();
            }
            if (root.TryGetProperty("payload", out var p))
                payload = p.Clone();
        }
        catch (JsonException)
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "the message is not valid JSON");
            return;
        }

        switch (type)
        {
            case MessageTypes.ConnectionInit:
                await OnInitAsync(payload);
                break;
            case MessageTypes.Ping:
                await SendAsync(MessageTypes.Pong, null, null);
                break;
            case MessageTypes.Pong:
                break;
            case MessageTypes.Subscribe when id is null:
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "subscribe needs an id");
                break;
            case MessageTypes.Subscribe:
                await OnSubscribeAsync(id, payload);
                break;
            case MessageTypes.Complete when id is null:
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "complete needs an id");
                break;
            case MessageTypes.Complete:
                Stop(id);
                break;
            default:
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, $"unknown message type '{Truncate(type, 40)}'");
                break;
        }
    }

    private async Task OnInitAsync(JsonElement payload)
    {
        if (Interlocked.Exchange(ref _initReceived, 1) == 1)
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.TooManyInitialisationRequests, "Too many initialisation requests");
            return;
        }
        if (payload.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object))
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "the connection_init payload must be an object");
            return;
        }
        if (payload.ValueKind == JsonValueKind.Object && FindAuthorization(payload) is { } authorization)
        {
            if (authorization.ValueKind != JsonValueKind.String || BearerToken.From(authorization.GetString()) is not { } token)
            {
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.Forbidden, "Forbidden: authorization must be 'Bearer <token>'");
                return;
            }
            try
            {
                _caller = await endpoint.Tokens.ValidateAsync(token);
            }
            catch (RuleViolation violation)
            {
                await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.Forbidden, $"Forbidden: {violation.Message}");
                return;
            }
            // The token proves the caller until its exp, not for as long as the socket stays open.
            // Validated above, so its exp claim is the signed one.
            Interlocked.Exchange(ref _expiresUtcTicks, new DateTimeOffset(new JsonWebToken(token).ValidTo, TimeSpan.Zero).UtcTicks);
            _expiryWatch = WatchExpiryAsync();
        }
        _acknowledged = true;
        await SendAsync(MessageTypes.ConnectionAck, null, null);
    }

    private static JsonElement? FindAuthorization(JsonElement payload)
    {
        foreach (var property in payload.EnumerateObject())
            if (string.Equals(property.Name, "authorization", StringComparison.OrdinalIgnoreCase))
                return property.Value;
        return null;
    }

    private async Task OnSubscribeAsync(string id, JsonElement payload)
    {
        // Nothing runs on an expired token: a query or mutation would act for a caller no longer proven.
        if (Expired)
        {
            await CloseExpiredAsync();
            return;
        }
        if (!_acknowledged)
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.Unauthorized, "Unauthorized: subscribe before connection_ack");
            return;
        }
        if (_operations.ContainsKey(id))
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.SubscriberAlreadyExists, $"Subscriber for {Truncate(id, 40)} already exists");
            return;
        }
        GraphQLRequest? request;
        try
        {
            request = payload.ValueKind == JsonValueKind.Object ? endpoint.Serializer.ReadNode<GraphQLRequest>(payload) : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NotSupportedException)
        {
            request = null;
        }
        if (request is null || string.IsNullOrEmpty(request.Query))
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.BadRequest, "the subscribe payload needs a query");
            return;
        }
        if (_operations.Count >= endpoint.Options.MaxSubscriptionsPerSocket)
        {
            await SendErrorAsync(id, "RATE_LIMITED", $"at most {endpoint.Options.MaxSubscriptionsPerSocket} operations may run on one socket");
            return;
        }
        if (endpoint.RateLimiter.TryAcquire(_caller, http) is { } retryAfter)
        {
            await SendErrorAsync(id, "RATE_LIMITED", $"too many requests: retry after {retryAfter.TotalSeconds:0} s");
            return;
        }
        var operation = new Operation(CancellationTokenSource.CreateLinkedTokenSource(_closing.Token));
        if (!_operations.TryAdd(id, operation))
        {
            await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.SubscriberAlreadyExists, $"Subscriber for {Truncate(id, 40)} already exists");
            return;
        }
        // The operation runs beside the receive loop, so that ping, complete and other subscribes keep flowing.
        _ = Task.Run(() => RunOperationAsync(id, request, operation));
    }

    private async Task RunOperationAsync(string id, GraphQLRequest request, Operation operation)
    {
        var ct = operation.Cancellation.Token;
        var results = System.Threading.Channels.Channel.CreateUnbounded<ExecutionResult>(new UnboundedChannelOptions { SingleReader = true });
        var gate = new SubscriptionGate(e => Fault(id, e));
        var log = endpoint.AccessLog.ForRequest(_caller.Actor, _caller.Anonymous, null);
        var context = new GraphRequest(_caller, log, null)
        {
            Gate = gate,
            // As over HTTP: the operation's measured cost is charged to the caller's budget before anything resolves.
            [OperationLimitsRule.ChargeKey] = endpoint.RateLimiter.ChargeFor(_caller, http),
        };
        try
        {
            // The same execution as over HTTP: one parse (or the validated-document cache), the limits, the cost, the errors.
            var execution = ExecuteAsync();
            async Task<ExecutionResult> ExecuteAsync() => await endpoint.Execution.ExecuteAsync(
                endpoint.Execution.Prepare(request.Query!, request.OperationName), request.Variables, request.Extensions, context, http.RequestServices, ct);
            // The operation time limit of HTTP bounds a query or mutation here too, and a subscription's set-up;
            // not a subscription's stream, which lives until complete or close (so ct itself has no deadline).
            ExecutionResult result;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var limit = Task.Delay(TimeSpan.FromSeconds(endpoint.Limits.OperationTimeoutSeconds), endpoint.Time, deadline.Token);
                if (await Task.WhenAny(limit, execution) == limit && limit.IsCompletedSuccessfully)
                {
                    Stop(id);
                    _ = execution.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    await SendErrorAsync(id, "INTERNAL",
                        $"the operation ran longer than its limit of {endpoint.Limits.OperationTimeoutSeconds} s and was stopped");
                    return;
                }
                await deadline.CancelAsync();
                result = await execution;
            }
            if (result.Streams is not { Count: > 0 } streams)
            {
                if (!result.Executed || result.Data is null && result.Errors is { Count: > 0 })
                {
                    await SendAsync(MessageTypes.Error, id, await ErrorsOf(result, ct));
                    return;
                }
                await log.FlushAsync(ct);
                await SendAsync(MessageTypes.Next, id, await endpoint.Serializer.SerializeToBytesAsync(result, ct));
                await SendAsync(MessageTypes.Complete, id, null);
                return;
            }
            // One root field per subscription (the validation rule): one stream.
            var observer = new ResultObserver(results.Writer);
            operation.Subscription = streams.Values.First().Subscribe(observer);
            await foreach (var next in results.Reader.ReadAllAsync(ct))
            {
                await log.FlushAsync(ct);
                await SendAsync(MessageTypes.Next, id, await endpoint.Serializer.SerializeToBytesAsync(next, ct));
                gate.Release();
            }
            if (_operations.ContainsKey(id))
                await SendAsync(MessageTypes.Complete, id, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
        catch (Exception e) when (Workflow.Hosting.DatabaseUnavailable.Is(e))
        {
            endpoint.Logger.LogWarning("An operation over WebSocket could not reach the database ({Failure})", Workflow.Hosting.DatabaseUnavailable.Describe(e));
            await SendErrorAsync(id, Workflow.Hosting.DatabaseUnavailable.Code, Unavailable);
        }
        catch (Exception e)
        {
            // The message may quote input; the type and the stack say where it failed.
            endpoint.Logger.LogError("Subscription failed with {ExceptionType} at {StackTrace}", e.GetType().FullName, e.StackTrace);
            await SendErrorAsync(id, "INTERNAL", "internal error");
        }
        finally
        {
            Stop(id);
        }
    }

    private sealed class ResultObserver(ChannelWriter<ExecutionResult> writer) : IObserver<ExecutionResult>
    {
        public void OnCompleted() => writer.TryComplete();
        public void OnError(Exception error) => writer.TryComplete(error);
        public void OnNext(ExecutionResult value) => writer.TryWrite(value);
    }

    private void Fault(string id, Exception e)
    {
        if (e is SlowConsumerException)
        {
            endpoint.Logger.LogWarning("A subscriber fell behind its buffer; its socket is closed");
            _ = RequestCloseAsync(WebSocketCloseStatus.PolicyViolation, Truncate(e.Message, 120));
        }
        else if (e is LogRestoredException restored)
        {
            // Not the subscriber's fault and not ours: its province's database went back in time (LiveEvents).
            _ = SendErrorAsync(id, LogRestoredException.Code, restored.Message);
            Stop(id);
        }
        else if (Workflow.Hosting.DatabaseUnavailable.Is(e))
        {
            // Not our bug: the log could not be read (PostgreSQL down, restarting, out of connections).
            endpoint.Logger.LogWarning("A subscription could not read the event log ({ExceptionType})", e.GetType().FullName);
            _ = SendErrorAsync(id, Workflow.Hosting.DatabaseUnavailable.Code, Unavailable);
            Stop(id);
        }
        else
        {
            endpoint.Logger.LogError("Subscription source failed with {ExceptionType} at {StackTrace}", e.GetType().FullName, e.StackTrace);
            _ = SendErrorAsync(id, "INTERNAL", "internal error: the event source failed; resubscribe with after");
            Stop(id);
        }
    }

    /// <summary>What an operation over the socket is told when the database could not be reached (the HTTP path says the same with UNAVAILABLE).</summary>
    private const string Unavailable =
        "the database could not be reached; a command's outcome is unknown (send it again with the same commandId), a subscription ended (subscribe again with after = the last sequence received)";

    private void StopAll()
    {
        foreach (var id in _operations.Keys)
            Stop(id);
    }

    private bool Expired => endpoint.Time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _expiresUtcTicks);

    /// <summary>Stops every operation, then closes with 4403: the client signs in again and resumes each subscription with after.</summary>
    private async Task CloseExpiredAsync()
    {
        StopAll();
        await RequestCloseAsync((WebSocketCloseStatus)WebSocketCloseCodes.Forbidden, ExpiredReason);
    }

    /// <summary>
    /// Closes the socket at the token's exp on the injected clock. It looks again at least every ping
    /// interval (or minute), so that a clock that is stepped forward is noticed before the long wait ends.
    /// </summary>
    private async Task WatchExpiryAsync()
    {
        var recheck = TimeSpan.FromSeconds(endpoint.Options.PingIntervalSeconds > 0 ? endpoint.Options.PingIntervalSeconds : 60);
        try
        {
            while (true)
            {
                var remaining = new DateTimeOffset(Interlocked.Read(ref _expiresUtcTicks), TimeSpan.Zero) - endpoint.Time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                    break;
                await Task.Delay(remaining < recheck ? remaining : recheck, endpoint.Time, _closing.Token);
            }
            await CloseExpiredAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Ends an operation (client complete, close, or its own end); the client hears nothing more of it.</summary>
    private void Stop(string id)
    {
        if (!_operations.TryRemove(id, out var operation))
            return;
        operation.Subscription?.Dispose();
        try
        {
            operation.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task<byte[]> ErrorsOf(ExecutionResult result, CancellationToken ct)
    {
        var bytes = await endpoint.Serializer.SerializeToBytesAsync(new ExecutionResult { Errors = result.Errors }, ct);
        using var document = JsonDocument.Parse(bytes);
        return Encoding.UTF8.GetBytes(document.RootElement.GetProperty("errors").GetRawText());
    }

    private async Task SendErrorAsync(string id, string code, string message)
    {
        var errors = JsonSerializer.SerializeToUtf8Bytes(new[]
        {
            new { message, extensions = new { code } },
        });
        await SendAsync(MessageTypes.Error, id, errors);
    }
}
