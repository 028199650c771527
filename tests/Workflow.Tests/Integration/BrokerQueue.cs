using System.Diagnostics;
using System.Text.Json;
using CaseEngine.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace CaseEngine.Workflow.Tests.Integration;

/// <summary>One message as an integrator's consumer reads it off its queue.</summary>
public sealed record Received(string RoutingKey, string Body, JsonElement Json)
{
    public long Sequence => Json.GetProperty("sequence").GetInt64();
    public Guid PetitionId => Json.GetProperty("petitionId").GetGuid();
    public int Version => Json.GetProperty("version").GetInt32();
}

/// <summary>
/// An integrator's durable queue bound to the engine's exchange, read with the plain RabbitMQ client
/// (no Wolverine): what a downstream system sees. Reads reconnect, so a read may follow a broker restart.
/// </summary>
public sealed class BrokerQueue(RabbitMqNode node, string exchange, string queue)
{
    public List<Received> Messages { get; } = [];

    /// <summary>Declares the exchange as the engine does (idempotent), a durable queue, and binds it with <paramref name="bindingKey"/>.</summary>
    public static async Task<BrokerQueue> BindAsync(RabbitMqNode node, string exchange, string bindingKey)
    {
        var queue = $"it-{Guid.NewGuid():N}"[..16];
        await using var connection = await node.Factory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, exchange, bindingKey);
        return new BrokerQueue(node, exchange, queue);
    }

    public string Exchange { get; } = exchange;

    /// <summary>Reads what the queue holds now into <see cref="Messages"/> (acknowledged), and returns how many were new.</summary>
    public async Task<int> DrainAsync()
    {
        await using var connection = await node.Factory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var read = 0;
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } got)
        {
            var body = System.Text.Encoding.UTF8.GetString(got.Body.Span);
            Messages.Add(new Received(got.RoutingKey, body, JsonDocument.Parse(body).RootElement.Clone()));
            read++;
        }
        return read;
    }

    /// <summary>Drains until <paramref name="done"/> holds over what arrived, polling the broker (an external process) for at most <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<Received>, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await DrainAsync();
            }
            catch (BrokerUnreachableException) when (clock.Elapsed < timeout)
            {
                // restarting: try again
            }
            if (done(Messages))
                return;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"after {timeout.TotalSeconds} s the queue had {Messages.Count} messages, not what the test waits for");
            await Task.Delay(100);
        }
    }

    public async Task<uint> CountAsync()
    {
        await using var connection = await node.Factory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }
}
