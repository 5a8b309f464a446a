using Herald;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// Extension methods that register services live in this namespace by convention, so that they show up wherever the
// application configures its services, without a using of their own.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers an <see cref="SmtpPool"/> in a service collection.</summary>
public static class SmtpPoolServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="SmtpPool"/> for the whole application (a singleton), with <see cref="SmtpPoolOptions"/>
    /// set by <paramref name="configure"/> through the Options pattern. The pool is created on first use from the
    /// options as they are then, and disposed with the container (which sends what is queued and closes its
    /// connections).
    /// </summary>
    /// <remarks>
    /// Calling this again, or <c>services.Configure&lt;SmtpPoolOptions&gt;(...)</c>, adds to the options; there is
    /// still one pool. Inject <see cref="SmtpPool"/> where mail is sent.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options (at least <see cref="SmtpPoolOptions.Host"/>).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddSmtpPool(this IServiceCollection services, Action<SmtpPoolOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SmtpPoolOptions>().Configure(configure);
        return AddPool(services);
    }

    /// <summary>
    /// Registers one <see cref="SmtpPool"/> for the whole application (a singleton), with <see cref="SmtpPoolOptions"/>
    /// bound from <paramref name="configuration"/> (for example <c>builder.Configuration.GetSection("Smtp")</c>) by
    /// property name: <c>"Host"</c>, <c>"Port"</c>, <c>"Tls": "StartTls"</c>, <c>"IdleTimeout": "00:00:30"</c> and so
    /// on. The pool is created on first use and disposed with the container.
    /// </summary>
    /// <remarks>
    /// A key in the section that names no option (a misspelt <c>"MaxConection"</c>, say) is an error when the pool is
    /// created, rather than a setting silently ignored. The pool takes the options once: a configuration reloaded
    /// later does not change a pool that already exists.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding the options.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static IServiceCollection AddSmtpPool(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SmtpPoolOptions>().Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
        return AddPool(services);
    }

    /// <summary>
    /// The pool itself, once. Resolving it creates it from the options; an invalid setting then throws the pool's
    /// <see cref="SmtpException"/> (10022, with the setting named), and an unknown configuration key an
    /// <see cref="InvalidOperationException"/> from the binder.
    /// </summary>
    private static IServiceCollection AddPool(IServiceCollection services)
    {
        // A factory, not an instance, so the container owns the pool and disposes it (asynchronously when it is
        // disposed asynchronously, as the generic host does).
        // The pool logs through the application's logging when it has any (an ILoggerFactory is registered by the host).
        services.TryAddSingleton(static provider => new SmtpPool(provider.GetRequiredService<IOptions<SmtpPoolOptions>>().Value,
            provider.GetService<ILoggerFactory>()?.CreateLogger<SmtpPool>()));
        return services;
    }
}
