using Herald.Transport.Proxies;

namespace Herald;

public partial class SmtpClient
{
    /// <summary>The proxy to connect through (off by default).</summary>
    public SmtpClientProxySettings Proxy { get; } = new();

    /// <summary>Keeps what an HTTP proxy answered when it opened the tunnel.</summary>
    private void NoteProxyTunnel()
    {
        Proxy.ResponseHeaders = Engine.ProxyTunnel?.ResponseHeaders ?? "";
        Proxy.ResponseBody = "";
    }

    /// <summary>Keeps what an HTTP proxy answered when it refused the tunnel, for <see cref="SmtpClientProxySettings.ResponseHeaders"/>
    /// and <see cref="SmtpClientProxySettings.ResponseBody"/>.</summary>
    private void NoteProxyAnswer(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is ProxyException proxy)
            {
                Proxy.ResponseHeaders = proxy.ResponseHeaders;
                Proxy.ResponseBody = proxy.ResponseBody;
                return;
            }
        }
    }
}
