using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CaseEngine.Workflow.Configuration;

/// <summary>
/// The one way a configuration section becomes settings: <c>AddOptions&lt;T&gt;().BindConfiguration(section)
/// .ValidateOnStart()</c>, with a check that names the first bad key in one line (the server prints it
/// alone, <see cref="StartupException"/>'s rule). The settings object is also a singleton of its own type
/// for the classes that read it; tests configure their hosts (configuration or <c>Configure&lt;T&gt;</c>),
/// never a static.
/// </summary>
public static class Settings
{
    /// <param name="invalid">the one line naming a key whose value cannot work, or null when all can</param>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section, Func<T, string?>? invalid = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<T>().BindConfiguration(section);
        if (invalid is not null)
            services.AddSingleton<IValidateOptions<T>>(new OneLine<T>(invalid));
        builder.ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return builder;
    }

    /// <summary>The line of a failed validation or binding that names the key, or null when the failure is another one.</summary>
    public static string? Describe(Exception failure) => failure switch
    {
        OptionsValidationException validation => validation.Message,
        // The binder names the key (and the value, a setting, not personal data) when a value is not of its type.
        InvalidOperationException binding when binding.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
            => binding.Message,
        _ => null,
    };

    private sealed class OneLine<T>(Func<T, string?> invalid) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            invalid(options) is { } line ? ValidateOptionsResult.Fail(line) : ValidateOptionsResult.Success;
    }
}
