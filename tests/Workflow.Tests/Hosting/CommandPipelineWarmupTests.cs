using System.Reflection;
using CaseEngine.Testing;
using CaseEngine.Workflow.Commands;
using CaseEngine.Workflow.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime;
using Wolverine.Runtime.Handlers;

namespace CaseEngine.Workflow.Tests.Hosting;

/// <summary>
/// A fresh node's first command waited while Wolverine generated and compiled the command's handler
/// (3.7 s on an idle machine; past the operation's 30 s limit on a busy one, in CI). The host builds
/// it in the background as soon as it has started, so it is there before the first command arrives.
/// </summary>
public class when_a_node_starts(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task the_command_handler_is_compiled_before_the_first_command()
    {
        await using var engine = await Engine.StartAsync(db);
        await engine.Host.Services.GetServices<IHostedService>().OfType<CommandPipelineWarmup>().ShouldHaveSingleItem()
            .Built.WaitAsync(TimeSpan.FromMinutes(1));
        var runtime = (WolverineRuntime)engine.Host.Services.GetRequiredService<IWolverineRuntime>();
        var chain = runtime.Handlers.ChainFor<CommandEnvelope>().ShouldNotBeNull();
        // Wolverine keeps the compiled handler on the chain and does not expose it: read it as it stands.
        var handler = typeof(HandlerChain).GetProperty("Handler", BindingFlags.Instance | BindingFlags.NonPublic)
            .ShouldNotBeNull("Wolverine's HandlerChain.Handler (internal) is gone: find another way to see the compiled handler");
        handler.GetValue(chain).ShouldNotBeNull("no command was sent, yet the handler is built");
    }
}
