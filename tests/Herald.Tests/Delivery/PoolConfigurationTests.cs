using System.Text;
using Herald.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Herald.Tests.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Herald.Tests.Delivery;

/// <summary><see cref="SmtpPoolOptions"/> from configuration, and <c>AddSmtpPool</c> in a real container.</summary>
public class PoolConfigurationTests
{
    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(kv => "Mail:Pool:" + kv.Key, kv => kv.Value))
            .Build().GetSection("Mail:Pool");

    private static Stream Raw(string subject) => new MemoryStream(Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nbody\r\n"));

    [Fact]
    public void EveryOptionBindsFromConfigurationIncludingTimeSpansEnumsAndNumbers()
    {
        var options = Section(new()
        {
            ["Host"] = "smtp.example.org",
            ["Port"] = "2525",
            ["Tls"] = "StartTls",
            ["TrustedCaFile"] = "/etc/ssl/private-ca.pem",
            ["DangerousAcceptAnyServerCertificate"] = "true",
            ["UserName"] = "app@example.org",
            ["Password"] = "secret",
            ["AuthMechanisms"] = "PLAIN",
            ["HeloName"] = "app.example.org",
            ["Proxy"] = "socks5h://proxy.example.org:1080",
            ["MaxConnections"] = "7",
            ["MaxMessagesPerConnection"] = "250",
            ["IdleTimeout"] = "00:01:30",
            ["HealthCheckAfter"] = "00:00:02.5",
            ["MaxMessagesPerSecond"] = "12.5",
            ["MaxAttempts"] = "3",
            ["RetryBaseDelay"] = "00:00:00.250",
            ["RetryMaxDelay"] = "1.00:00:00",
            ["ConnectTimeout"] = "00:00:10",
            ["Timeout"] = "00:02:00",
            ["UseChunking"] = "false",
            ["ChunkSize"] = "65536",
        }).Get<SmtpPoolOptions>(binder => binder.ErrorOnUnknownConfiguration = true)!;

        Assert.Equal(("smtp.example.org", 2525, SmtpTlsMode.StartTls), (options.Host, options.Port, options.Tls));
        Assert.Equal(("/etc/ssl/private-ca.pem", true), (options.TrustedCaFile, options.DangerousAcceptAnyServerCertificate));
        Assert.Equal(("app@example.org", "secret", "PLAIN"), (options.UserName, options.Password, options.AuthMechanisms));
        Assert.Equal(("app.example.org", "socks5h://proxy.example.org:1080"), (options.HeloName, options.Proxy));
        Assert.Equal((7, 250, 12.5, 3), (options.MaxConnections, options.MaxMessagesPerConnection, options.MaxMessagesPerSecond,
            options.MaxAttempts));
        Assert.Equal(TimeSpan.FromSeconds(90), options.IdleTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), options.HealthCheckAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromDays(1), options.RetryMaxDelay);
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2)), (options.ConnectTimeout, options.Timeout));
        Assert.Equal((false, 65536), (options.UseChunking, options.ChunkSize));
        // Every public setting has a key above: a new one must be added to this test (and to the README's list).
        var settable = typeof(SmtpPoolOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Order().ToList();
        Assert.Equal(22, settable.Count);
    }

    [Fact]
    public void AnEnumBindsCaseInsensitivelyAndABadValueNamesTheKey()
    {
        Assert.Equal(SmtpTlsMode.Implicit, Section(new() { ["Tls"] = "implicit" }).Get<SmtpPoolOptions>()!.Tls);
        var e = Assert.Throws<InvalidOperationException>(() => Section(new() { ["Tls"] = "sometimes" }).Get<SmtpPoolOptions>());
        Assert.Contains("Mail:Pool:Tls", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSmtpPoolFromASectionGivesOnePoolThatUsesTheBoundOptions()
    {
        await using var server = new FakeSmtpServer();
        var services = new ServiceCollection().AddSmtpPool(Section(new()
        {
            ["Host"] = server.Host,
            ["Port"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Tls"] = "None",
            ["HeloName"] = "bound.example.test",
            ["MaxConnections"] = "2",
            ["IdleTimeout"] = "00:00:45",
        }));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var pool = provider.GetRequiredService<SmtpPool>();
        Assert.Same(pool, provider.GetRequiredService<SmtpPool>());
        Assert.Same(pool, provider.CreateScope().ServiceProvider.GetRequiredService<SmtpPool>());
        Assert.Equal((2, TimeSpan.FromSeconds(45)), (pool.Settings.MaxConnections, pool.Settings.IdleTimeout));

        var result = await pool.SendAsync("alice@example.org", ["bob@example.com"], Raw("bound"));

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        var session = Assert.Single(server.Sessions);
        Assert.Equal("bound.example.test", session.Hello);
        Assert.Equal(["bob@example.com"], Assert.Single(session.Messages).Recipients);
    }

    [Fact]
    public async Task AddSmtpPoolWithACallbackAndLaterConfigureCallsAddUpAndTheContainerDisposesThePool()
    {
        await using var server = new FakeSmtpServer();
        var services = new ServiceCollection()
            .AddSmtpPool(o =>
            {
                o.Host = server.Host;
                o.Tls = SmtpTlsMode.None;
            })
            .Configure<SmtpPoolOptions>(o => o.Port = server.Port)
            .AddSmtpPool(o => o.HeloName = "second.example.test");
        Assert.Single(services, d => d.ServiceType == typeof(SmtpPool));
        var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<SmtpPool>();
        var sends = Enumerable.Range(0, 5).Select(n => pool.SendAsync("alice@example.org", ["bob@example.com"], Raw($"m{n}"))).ToList();

        await provider.DisposeAsync();

        // Disposing the container closed the pool: what was queued was sent, the session ended with QUIT, and the pool
        // takes nothing more.
        Assert.All(await Task.WhenAll(sends), r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.NotEmpty(server.Sessions);
        Assert.All(server.Sessions, s => Assert.Equal("second.example.test", s.Hello));
        Assert.All(server.Sessions, s => Assert.Contains("QUIT", s.Lines));
        Assert.Throws<ObjectDisposedException>(() => { _ = pool.SendAsync("alice@example.org", ["bob@example.com"], Raw("late")); });
    }

    [Fact]
    public async Task ThePoolLogsThroughTheContainersLoggerFactoryWhenThereIsOne()
    {
        await using var server = new FakeSmtpServer();
        var logger = new CapturingLogger();
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(new OneLoggerFactory(logger))
            .AddSmtpPool(o =>
            {
                o.Host = server.Host;
                o.Port = server.Port;
                o.Tls = SmtpTlsMode.None;
            });
        await using (var provider = services.BuildServiceProvider())
        {
            var pool = provider.GetRequiredService<SmtpPool>();
            var result = await pool.SendAsync("alice@example.org", ["bob@example.com"], Raw("logged"));
            Assert.Equal(DeliveryStatus.Delivered, result.Status);
        }
        Assert.Contains(logger.TraceLines, l => l.StartsWith("C: MAIL FROM:<alice@example.org>", StringComparison.Ordinal));

        // Without logging in the container the pool logs nowhere.
        await using var plain = new ServiceCollection().AddSmtpPool(o => o.Host = "localhost").BuildServiceProvider();
        Assert.Null(plain.GetRequiredService<SmtpPool>().Logger);
    }

    /// <summary>A logger factory that hands out one logger for every category.</summary>
    private sealed class OneLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;
        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();
        public void Dispose() { }
    }

    [Fact]
    public void AMisspeltKeyAndAnInvalidValueFailWhenThePoolIsResolved()
    {
        using var misspelt = new ServiceCollection()
            .AddSmtpPool(Section(new() { ["Host"] = "smtp.example.org", ["MaxConection"] = "3" }))
            .BuildServiceProvider();
        var unknown = Assert.Throws<InvalidOperationException>(() => misspelt.GetRequiredService<SmtpPool>());
        Assert.Contains("MaxConection", unknown.Message, StringComparison.Ordinal);

        using var noHost = new ServiceCollection().AddSmtpPool(Section(new() { ["Port"] = "587" })).BuildServiceProvider();
        var invalid = Assert.Throws<SmtpException>(() => noHost.GetRequiredService<SmtpPool>());
        Assert.Equal(SmtpErrorCodes.InvalidArgument, invalid.Code);
        Assert.Contains("Host", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullArgumentsAreRefused()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentNullException>(() => services.AddSmtpPool((Action<SmtpPoolOptions>)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddSmtpPool((IConfiguration)null!));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddSmtpPool(_ => { }));
    }
}
