// An integrator's consumer of CaseEngine's integration events (docs/operations.md, "Integration events
// on RabbitMQ"). Runs as it is with the .NET 10 SDK:
//
//   CASEENGINE_AMQP='amqp://integrator:secret@broker.internal:5672/' BINDING='340000.340100.#' \
//     dotnet run docs/examples/case-event-consumer.cs
//
// It declares its own durable queue, binds it to the exchange for its region, and applies each petition's
// events once and in version order: delivery is at least once, so a version already applied is a
// duplicate (acknowledged and skipped); a version further ahead waits until the ones between arrive.
#:property ManagePackageVersionsCentrally=false
#:property TreatWarningsAsErrors=false
#:package RabbitMQ.Client@7.2.2

using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

var uri = Environment.GetEnvironmentVariable("CASEENGINE_AMQP") ?? "amqp://guest:guest@localhost:5672/";
var exchange = Environment.GetEnvironmentVariable("EXCHANGE") ?? "caseengine.events";
var binding = Environment.GetEnvironmentVariable("BINDING") ?? "#";
var queue = Environment.GetEnvironmentVariable("QUEUE") ?? "integrator.case-events";

var factory = new ConnectionFactory { Uri = new Uri(uri), AutomaticRecoveryEnabled = true };
await using var connection = await factory.CreateConnectionAsync();
await using var channel = await connection.CreateChannelAsync();
// The same declaration as CaseEngine's (durable topic exchange): idempotent, whichever side starts first.
await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
await channel.QueueBindAsync(queue, exchange, binding);
await channel.BasicQosAsync(0, 100, false);

// What this integrator has applied, per petition. A real one keeps it in its own database, in the
// transaction that applies the event, so a restart neither loses nor repeats anything.
var applied = new Dictionary<Guid, int>();
var waiting = new Dictionary<(Guid, int), JsonElement>();
var duplicates = 0;

void Apply(JsonElement e)
{
    var petition = e.GetProperty("petitionId").GetGuid();
    var version = e.GetProperty("version").GetInt32();
    Console.WriteLine($"{e.GetProperty("sequence").GetInt64(),8} {petition} v{version} {e.GetProperty("type").GetString()}");
    applied[petition] = version;
    if (waiting.Remove((petition, version + 1), out var next))
        Apply(next);
}

var consumer = new AsyncEventingBasicConsumer(channel);
consumer.ReceivedAsync += async (_, delivery) =>
{
    var e = JsonDocument.Parse(delivery.Body).RootElement.Clone();
    var petition = e.GetProperty("petitionId").GetGuid();
    var version = e.GetProperty("version").GetInt32();
    var done = applied.GetValueOrDefault(petition);
    if (version <= done || waiting.ContainsKey((petition, version)))
        duplicates++;
    else if (version == done + 1)
        Apply(e);
    else
        waiting[(petition, version)] = e; // an earlier version is still on its way
    await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
};
await channel.BasicConsumeAsync(queue, autoAck: false, consumer);

Console.WriteLine($"bound {queue} to {exchange} with '{binding}'; Ctrl+C stops");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, args) => { args.Cancel = true; stop.TrySetResult(); };
await stop.Task;
Console.WriteLine($"{applied.Count} petitions followed, {duplicates} duplicates skipped, {waiting.Count} events waiting for an earlier version");
