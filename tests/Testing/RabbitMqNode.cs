using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CaseEngine.Workflow.Integration;

namespace CaseEngine.Testing;

/// <summary>
/// A private RabbitMQ node for one test class, like the embedded PostgreSQL: Debian's rabbitmq-server
/// (<c>.ci/run</c> installs it) started from <c>/usr/lib/rabbitmq/bin</c> (or <c>CASEENGINE_RABBITMQ_BIN</c>)
/// as the test's own user, on free loopback ports (AMQP, Erlang distribution and its own epmd, so it
/// never meets a system broker), with its own data folder, a random Erlang cookie (mode 0400) and a
/// random password for its only user. <see cref="StopAsync"/> and <see cref="StartAsync()"/> stop and
/// start the same node (same ports and data: durable queues keep their messages), for outage tests.
/// </summary>
public sealed class RabbitMqNode : IAsyncDisposable
{
    public const string BinVariable = "CASEENGINE_RABBITMQ_BIN";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly string _bin;
    private readonly string _folder;
    private readonly Dictionary<string, string> _environment;
    private Process? _server;

    private RabbitMqNode(string bin, string folder)
    {
        _bin = bin;
        _folder = folder;
        AmqpPort = FreePort();
        var distPort = FreePort();
        var epmdPort = FreePort();
        NodeName = $"caseengine-test-{Environment.ProcessId}-{Path.GetFileName(folder)}@localhost";
        Password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(Path.Combine(folder, ".erlang.cookie"), Convert.ToHexString(RandomNumberGenerator.GetBytes(20)));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Path.Combine(folder, ".erlang.cookie"), UnixFileMode.UserRead);
        File.WriteAllText(Path.Combine(folder, "enabled_plugins"), "[].\n");
        File.WriteAllText(Path.Combine(folder, "rabbitmq-env.conf"), "");
        File.WriteAllText(Path.Combine(folder, "rabbitmq.conf"), $"""
            listeners.tcp.default = 127.0.0.1:{AmqpPort}
            default_user = {UserName}
            default_pass = {Password}
            default_vhost = /
            log.console = false
            log.file.level = warning
            """);
        _environment = new Dictionary<string, string>
        {
            // The cookie lives in HOME; everything else in the folder, nothing in /var/lib/rabbitmq or /etc/rabbitmq.
            ["HOME"] = folder,
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(folder, "rabbitmq-env.conf"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(folder, "rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins"),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(folder, "rabbitmq.pid"),
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["ERL_EPMD_PORT"] = epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        };
    }

    public const string UserName = "caseengine";
    public string Password { get; }
    public int AmqpPort { get; }
    public string NodeName { get; }

    /// <summary>The engine's settings for this node (exchange per test class, so classes never share one).</summary>
    public BrokerSettings Settings(string exchange) => new()
    {
        Host = "127.0.0.1", Port = AmqpPort, UserName = UserName, Password = Password, Exchange = exchange,
    };

    /// <summary>A client connection factory for the test's own consumer.</summary>
    public RabbitMQ.Client.ConnectionFactory Factory() => new()
    {
        HostName = "127.0.0.1", Port = AmqpPort, UserName = UserName, Password = Password,
    };

    public static async Task<RabbitMqNode> StartNewAsync()
    {
        var bin = Environment.GetEnvironmentVariable(BinVariable) is { Length: > 0 } configured ? configured : "/usr/lib/rabbitmq/bin";
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("the test broker runs Debian's rabbitmq-server");
        if (!File.Exists(Path.Combine(bin, "rabbitmq-server")))
            throw new InvalidOperationException($"RabbitMQ is not installed ({bin}/rabbitmq-server not found): apt-get install rabbitmq-server (.ci/run does), or set {BinVariable}");
        var root = Path.Combine(Path.GetTempPath(), $"caseengine-rabbitmq-{Environment.UserName}");
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Ours alone, whoever created it: the nodes' cookies and passwords live below.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var folder = Path.Combine(root, $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var node = new RabbitMqNode(bin, folder);
        try
        {
            await node.StartAsync();
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    /// <summary>Starts the node (again): returns once it accepts AMQP connections.</summary>
    public async Task StartAsync()
    {
        if (_server is { HasExited: false })
            return;
        var server = Process.Start(Tool("rabbitmq-server")) ?? throw new InvalidOperationException("rabbitmq-server did not start");
        // Drained, so a chatty node never blocks on a full pipe.
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        _server = server;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (server.HasExited)
                throw new InvalidOperationException($"rabbitmq-server exited with {server.ExitCode} while starting; see {_folder}/log");
            if (await AcceptsAsync())
            {
                // The listener opens a moment before the default user exists: a real login says it is ready.
                try
                {
                    await using var connection = await Factory().CreateConnectionAsync();
                    return;
                }
                catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException) when (deadline.Elapsed < StartTimeout)
                {
                }
            }
            if (deadline.Elapsed > StartTimeout)
                throw new TimeoutException($"RabbitMQ did not accept connections on port {AmqpPort} within {StartTimeout.TotalSeconds} s; see {_folder}/log");
            await Task.Delay(100); // polling an external process, bounded by StartTimeout
        }
    }

    /// <summary>Stops the node as an operator would (<c>rabbitmqctl stop</c>), and waits until it has exited.</summary>
    public async Task StopAsync()
    {
        if (_server is not { HasExited: false } server)
            return;
        await RunCtlAsync("stop");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await server.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            server.Kill(entireProcessTree: true);
        }
    }

    /// <summary>One of RabbitMQ's scripts, run in the node's folder with the node's environment, output captured.</summary>
    private ProcessStartInfo Tool(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(_bin, script), arguments)
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in _environment)
            start.Environment[key] = value;
        return start;
    }

    private async Task RunCtlAsync(string verb)
    {
        using var process = Process.Start(Tool("rabbitmqctl", "-n", NodeName, verb)) ?? throw new InvalidOperationException("rabbitmqctl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        await Task.WhenAll(output, error);
    }

    private async Task<bool> AcceptsAsync()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, AmqpPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or OperationCanceledException)
        {
            _server?.Kill(entireProcessTree: true);
        }
        _server?.Dispose();
        // The node started its own epmd on its private port: stop it too.
        try
        {
            var epmd = new ProcessStartInfo("epmd", ["-kill"]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            epmd.Environment["ERL_EPMD_PORT"] = _environment["ERL_EPMD_PORT"];
            using var process = Process.Start(epmd);
            if (process is not null)
                await process.WaitForExitAsync();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No epmd on PATH: the node's own copy exits with the last node on it.
        }
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One private RabbitMQ node for a test class (<c>IClassFixture&lt;RabbitMqFixture&gt;</c>).</summary>
public sealed class RabbitMqFixture : Xunit.IAsyncLifetime
{
    private RabbitMqNode? _node;

    public RabbitMqNode Node => _node ?? throw new InvalidOperationException("the RabbitMQ node is not started");

    public async Task InitializeAsync() => _node = await RabbitMqNode.StartNewAsync();

    public async Task DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
    }
}
