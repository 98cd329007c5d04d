using LapsCsp.Device.Accounts;
using static LapsCsp.Device.Events.LapsEventIds;

namespace LapsCsp.Device.AccountManagement;

/// <summary>Which outside changes to the managed account Windows LAPS blocks, and the event each one logs.</summary>
/// <remarks>Digest C.11 and C.5: in manual mode "only the password is protected" (10031); in automatic mode "all external
/// modifications blocked": modify (rename, enable, disable) 10101, security descriptor 10102, delete 10103, removal from
/// Administrators 10104, and the password 10031. The change fails with ERROR_POLICY_CONTROLLED_ACCOUNT (0x21CE).</remarks>
internal static class ManagedAccountProtection
{
    /// <summary>The event to log when the change is blocked; null when it may proceed.</summary>
    public static (int EventId, string Message)? Blocked(LocalAccount account, AccountChangeKind change, bool automatic) => change switch
    {
        AccountChangeKind.ChangePassword =>
            (PasswordChangeBlocked, $"LAPS blocked an external request that tried to modify the password of the current managed account ({account.Name})."),
        AccountChangeKind.Rename or AccountChangeKind.Enable or AccountChangeKind.Disable when automatic =>
            (AccountModificationBlocked, $"LAPS blocked an external request that tried to modify the automatically managed account ({account.Name}): {change}."),
        AccountChangeKind.ChangeSecurityDescriptor when automatic =>
            (AccountSecurityDescriptorChangeBlocked, $"LAPS blocked an external request that tried to modify the security descriptor of the automatically managed account ({account.Name})."),
        AccountChangeKind.Delete when automatic =>
            (AccountDeletionBlocked, $"LAPS blocked an external request that tried to delete the automatically managed account ({account.Name})."),
        AccountChangeKind.RemoveFromAdministrators when automatic =>
            (AccountRemovalFromAdministratorsBlocked,
                $"LAPS blocked an external request that tried to remove the automatically managed account ({account.Name}) from the local Administrators group."),
        _ => null,
    };

    public static AccountChangeResult Refusal(LocalAccount account) => new(
        AccountChangeResult.PolicyControlledAccount,
        $"The operation is not allowed because the account {account.Name} is controlled by Windows LAPS policy (ERROR_POLICY_CONTROLLED_ACCOUNT).");
}
