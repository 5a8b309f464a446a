namespace Herald.IntegrationTests.Support;

/// <summary>Which form of a component method a test calls: the synchronous one or its <c>XxxAsync</c> twin.</summary>
public enum Api
{
    /// <summary>The blocking method (Send, Connect ...).</summary>
    Sync,

    /// <summary>The task-returning twin (SendAsync, ConnectAsync ...).</summary>
    Async,
}

/// <summary>Calls a component method in the form a test asks for, so one test body covers both.</summary>
internal static class ApiCalls
{
    public static async Task SendUsing(this Smtp smtp, Api api)
    {
        if (api == Api.Async)
        {
            await smtp.SendAsync();
        }
        else
        {
            smtp.Send();
        }
    }

    public static async Task ConnectUsing(this Smtp smtp, Api api)
    {
        if (api == Api.Async)
        {
            await smtp.ConnectAsync();
        }
        else
        {
            smtp.Connect();
        }
    }

    public static async Task DisconnectUsing(this Smtp smtp, Api api)
    {
        if (api == Api.Async)
        {
            await smtp.DisconnectAsync();
        }
        else
        {
            smtp.Disconnect();
        }
    }

    public static async Task VerifyUsing(this Smtp smtp, Api api, string address)
    {
        if (api == Api.Async)
        {
            await smtp.VerifyAsync(address);
        }
        else
        {
            smtp.Verify(address);
        }
    }

    public static async Task ExpandUsing(this Smtp smtp, Api api, string list)
    {
        if (api == Api.Async)
        {
            await smtp.ExpandAsync(list);
        }
        else
        {
            smtp.Expand(list);
        }
    }
}
