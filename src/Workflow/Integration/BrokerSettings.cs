using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace CaseEngine.Workflow.Integration;

/// <summary>
/// The message broker that carries integration events (section <c>CaseEngine:Broker</c>, env
/// <c>CaseEngine__Broker__Host</c>, …). Off while <see cref="Host"/> is unset: nothing is published and
/// nothing connects. Read when the host is built, because Wolverine's transports are configured then.
/// </summary>
public sealed class BrokerSettings
{
    public const string Section = "CaseEngine:Broker";
    public const string DefaultExchange = "caseengine.events";

    /// <summary>RabbitMQ host name; setting it turns publishing on.</summary>
    public string? Host { get; set; }

    /// <summary>AMQP port; 5672, or 5671 with <see cref="Tls"/>.</summary>
    public int? Port { get; set; }

    public string VirtualHost { get; set; } = "/";

    /// <summary>Required outside Development, like every other secret.</summary>
    public string? UserName { get; set; }

    /// <summary>Required outside Development, like every other secret.</summary>
    public string? Password { get; set; }

    /// <summary>AMQPS: the server's certificate is checked against <see cref="TlsServerName"/> (else <see cref="Host"/>).</summary>
    public bool Tls { get; set; }

    public string? TlsServerName { get; set; }

    /// <summary>The topic exchange integrators bind their queues to.</summary>
    public string Exchange { get; set; } = DefaultExchange;

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    public int EffectivePort => Port ?? (Tls ? 5671 : 5672);

    public static string Env(string key) => $"{Section}:{key} (env {Section.Replace(":", "__", StringComparison.Ordinal)}__{key})";

    /// <summary>
    /// The settings of <paramref name="configuration"/>, checked: null when no broker is configured,
    /// else settings that can work, or a <see cref="Configuration.StartupException"/> naming the setting
    /// (never its value: a password must not reach the console).
    /// </summary>
    public static BrokerSettings? From(IConfiguration configuration, bool development)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var settings = new BrokerSettings
        {
            Host = section["Host"],
            VirtualHost = section["VirtualHost"] is { Length: > 0 } vhost ? vhost : "/",
            UserName = section["UserName"],
            Password = section["Password"],
            TlsServerName = section["TlsServerName"],
            Exchange = section["Exchange"] is { Length: > 0 } exchange ? exchange : DefaultExchange,
        };
        if (section["Port"] is { Length: > 0 } port)
            settings.Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
                ? p
                : throw new Configuration.StartupException($"{Env("Port")} must be a port number (1-65535)");
        if (section["Tls"] is { Length: > 0 } tls)
            settings.Tls = bool.TryParse(tls, out var t) ? t : throw new Configuration.StartupException($"{Env("Tls")} must be true or false");
        return settings.Check(development);
    }

    /// <summary>This, when it can work; null when publishing is off.</summary>
    public BrokerSettings? Check(bool development)
    {
        if (!Enabled)
            return null;
        if (!development)
        {
            if (string.IsNullOrWhiteSpace(UserName))
                throw new Configuration.StartupException($"{Env("UserName")} is required outside Development when {Env("Host")} is set: the broker's user for CaseEngine");
            if (string.IsNullOrWhiteSpace(Password))
                throw new Configuration.StartupException($"{Env("Password")} is required outside Development when {Env("Host")} is set: the broker user's password");
            if (string.Equals(UserName, "guest", StringComparison.Ordinal))
                throw new Configuration.StartupException($"{Env("UserName")} must not be RabbitMQ's default 'guest' outside Development: create a user for CaseEngine");
        }
        if (string.IsNullOrWhiteSpace(Exchange) || Exchange.StartsWith("amq.", StringComparison.Ordinal))
            throw new Configuration.StartupException($"{Env("Exchange")} must be a name not starting with 'amq.' (reserved by RabbitMQ)");
        return this;
    }
}
