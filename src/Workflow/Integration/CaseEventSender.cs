using System.Globalization;
using System.Text.Json;
using CaseEngine.Domain.Petitions;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace CaseEngine.Workflow.Integration;

/// <summary>
/// Sends pages of <see cref="CaseEventMessage"/>s to the broker's topic exchange and returns only when
/// the broker has confirmed every one of them (publisher confirms); while the broker cannot be reached
/// it keeps trying, with a growing pause, from the first message not yet confirmed.
/// <para>
/// Why by hand, with the plain RabbitMQ client, and not through Wolverine's durable outbox: Wolverine
/// 6.62's durable sender re-queues a failed send behind the messages still queued, and puts a batch
/// that failed while the circuit was open ahead of those that failed before it, so across a broker
/// outage a petition's later event could arrive before its earlier one (5 of 48 petitions in
/// <c>a_broker_stopped_and_restarted_under_load…</c> before this change). Here the log is the outbox:
/// the publishing subscription's progress moves past a page only after this returns, so a crash or an
/// outage before that sends the page again (at least once, never lost), and no two messages of one
/// petition are ever unconfirmed at the same time, so each petition's events first arrive in version
/// order whatever fails.
/// </para>
/// </summary>
public sealed class CaseEventSender(BrokerSettings broker, TimeProvider clock, ILogger<CaseEventSender> logger) : IAsyncDisposable
{
    /// <summary>The AMQP type property of every message: names the payload's format and its version.</summary>
    public const string MessageType = "caseengine.case-event.v1";

    /// <summary>At most this many messages wait for the broker's confirm at once (each of a different petition).</summary>
    private const int Window = 256;

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions Json = new(EventJson.Options);

    /// <summary>How long a connection probe's answer is kept (<see cref="CanConnectAsync"/>).</summary>
    public static readonly TimeSpan ProbeFor = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _probeGate = new(1, 1);
    private (DateTimeOffset At, bool Open)? _probe;
    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>False from a failed send until the next confirmed one (the broker's health check and metric read it).</summary>
    public bool Reachable { get; private set; } = true;

    /// <summary>
    /// Sends <paramref name="messages"/> in their order and returns when the broker has confirmed all of
    /// them; only <paramref name="cancellationToken"/> (the node stopping) ends it sooner, with an
    /// <see cref="OperationCanceledException"/>, and the page is then sent again by whichever node runs
    /// the subscription next.
    /// </summary>
    public async Task SendAsync(IReadOnlyList<CaseEventMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Every message before this index has been confirmed by the broker.
            var confirmed = 0;
            var pause = FirstPause;
            while (confirmed < messages.Count)
            {
                try
                {
                    var channel = await ChannelAsync(cancellationToken);
                    while (confirmed < messages.Count)
                    {
                        // A window is sent whole again when any of it fails: its other messages may then
                        // arrive twice, never out of their petition's order, as none of them shares a petition.
                        var end = WindowEnd(messages, confirmed);
                        var window = new Task[end - confirmed];
                        for (var i = confirmed; i < end; i++)
                            window[i - confirmed] = PublishAsync(channel, messages[i], cancellationToken).AsTask();
                        await Task.WhenAll(window);
                        confirmed = end;
                    }
                    Reachable = true;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Reachable = false;
                    // The exception's type only: a broker's message may quote what it refused, and the
                    // sequence says where the integration events wait in the log (never a petition's data).
                    logger.LogWarning("Broker {Host}:{Port} did not confirm the integration events from sequence {Sequence} ({Error}); they wait in the log, sending again in {Pause} ms",
                        broker.Host, broker.EffectivePort, messages[confirmed].Sequence, e.GetType().Name, (int)pause.TotalMilliseconds);
                    await CloseAsync();
                    await Task.Delay(pause, clock, cancellationToken);
                    pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The end of the window starting at <paramref name="start"/>: up to <see cref="Window"/> messages, no two of one petition.</summary>
    private static int WindowEnd(IReadOnlyList<CaseEventMessage> messages, int start)
    {
        var petitions = new HashSet<Guid>();
        var end = start;
        while (end < messages.Count && end - start < Window && petitions.Add(messages[end].PetitionId))
            end++;
        return end;
    }

    private ValueTask PublishAsync(IChannel channel, CaseEventMessage message, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            ContentEncoding = "utf-8",
            Type = MessageType,
            // Identifies the event for a consumer that deduplicates by message id.
            MessageId = message.Sequence.ToString(CultureInfo.InvariantCulture),
            CorrelationId = message.CorrelationId,
            AppId = "caseengine",
            DeliveryMode = DeliveryModes.Persistent,
            Timestamp = new AmqpTimestamp(message.OccurredAt.ToUnixTimeSeconds()),
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(message, Json);
        return channel.BasicPublishAsync(broker.Exchange, message.RoutingKey, mandatory: false, properties, body, cancellationToken);
    }

    /// <summary>The open channel, or a new connection and channel (confirms on) with the exchange declared.</summary>
    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
            return open;
        await CloseAsync();
        _connection = await Factory().CreateConnectionAsync("caseengine", cancellationToken);
        _channel = await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            cancellationToken);
        // Declares the exchange (never a queue: the integrators own theirs); idempotent.
        await _channel.ExchangeDeclareAsync(broker.Exchange, ExchangeType.Topic, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
        return _channel;
    }

    /// <summary>
    /// Whether a connection can be opened (the health check asks, so a broker lost while no event waited
    /// shows too). The answer is kept for <see cref="ProbeFor"/>: readiness probes may come from anyone who
    /// reaches the node, and each must not open a connection to the broker.
    /// </summary>
    public async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        await _probeGate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (_probe is { } last && now - last.At < ProbeFor)
                return last.Open;
            bool open;
            try
            {
                await using var connection = await Factory().CreateConnectionAsync("caseengine-health", cancellationToken);
                open = connection.IsOpen;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                open = false;
            }
            _probe = (now, open);
            return open;
        }
        finally
        {
            _probeGate.Release();
        }
    }

    private ConnectionFactory Factory()
    {
        var factory = new ConnectionFactory
        {
            HostName = broker.Host!,
            Port = broker.EffectivePort,
            VirtualHost = broker.VirtualHost,
            // This class reconnects itself, from the first unconfirmed message.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
        };
        if (!string.IsNullOrWhiteSpace(broker.UserName))
            factory.UserName = broker.UserName;
        if (!string.IsNullOrWhiteSpace(broker.Password))
            factory.Password = broker.Password;
        if (broker.Tls)
            factory.Ssl = new SslOption(broker.TlsServerName ?? broker.Host!) { Enabled = true };
        return factory;
    }

    private async Task CloseAsync()
    {
        var (channel, connection) = (_channel, _connection);
        (_channel, _connection) = (null, null);
        try
        {
            if (channel is not null)
                await channel.DisposeAsync();
            if (connection is not null)
                await connection.DisposeAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Closing what already broke: nothing to keep.
            logger.LogDebug("Closing the broken broker connection: {Error}", e.GetType().Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _gate.Dispose();
        _probeGate.Dispose();
    }
}
