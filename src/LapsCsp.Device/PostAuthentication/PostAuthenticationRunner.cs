using System.Globalization;
using LapsCsp.Device.Accounts;
using LapsCsp.Device.Policy;

namespace LapsCsp.Device.PostAuthentication;

/// <summary>Carries out the post-authentication actions once the password was reset (digest C.9): 3 signs the managed
/// account's sessions out (their processes end with them), 11 also ends its remaining processes, 5 reboots the device.
/// The 2-minute and 1-minute warnings Windows shows are not simulated.</summary>
internal static class PostAuthenticationRunner
{
    /// <summary>Performs the actions and returns what was done, for event 10044.</summary>
    public static string Perform(PostAuthenticationActions actions, LocalAccount account, LogonSessionTable sessions)
    {
        var done = new List<string> { "the password was reset" };
        if (actions.HasFlag(PostAuthenticationActions.LogOff))
        {
            done.Add(string.Create(CultureInfo.InvariantCulture, $"{sessions.LogOff(account.Sid).Length} session(s) of {account.Name} were logged off"));
        }

        if (actions.HasFlag(PostAuthenticationActions.TerminateProcesses))
        {
            done.Add(string.Create(CultureInfo.InvariantCulture, $"{sessions.TerminateProcesses(account.Sid).Length} remaining process(es) of {account.Name} were terminated"));
        }

        if (actions.HasFlag(PostAuthenticationActions.Reboot))
        {
            sessions.Reboot();
            done.Add("the device was rebooted");
        }

        return string.Join("; ", done);
    }
}
