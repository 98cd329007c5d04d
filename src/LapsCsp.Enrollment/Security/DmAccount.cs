using System.Security.Cryptography;
using System.Text;

namespace LapsCsp.Enrollment.Security;

/// <summary>Names the w7 APPLICATION creates on the device (digest 1.7, APPLICATION table).</summary>
public static class DmAccount
{
    /// <summary>The DMAcc node name: <c>0x0000800c</c> and the upper-case hex SHA-256 of the UTF-16LE PROVIDER-ID. For
    /// <c>Fleet</c>: <c>0x0000800cABF8CA7D…</c> (docs:mdm/dmacc-csp says SHA-256 of the PROVIDER-ID; the UTF-16LE detail
    /// is inferred from Fleet's hard-coded LocURI, digest 1.7).</summary>
    public static string NodeName(string providerId)
    {
        ArgumentNullException.ThrowIfNull(providerId);
        return "0x0000800c" + Convert.ToHexString(SHA256.HashData(Encoding.Unicode.GetBytes(providerId)));
    }

    /// <summary><c>./SyncML/DMAcc/&lt;node&gt;/AppAuth/CLCRED/AAuthName</c> and <c>…/AAuthSecret</c>: where Fleet's "rekey"
    /// Replaces put new APPSRV credentials (digest 2.2 item 2).</summary>
    public static (string AAuthName, string AAuthSecret) ClientCredentialPaths(string providerId)
    {
        string root = "./SyncML/DMAcc/" + NodeName(providerId) + "/AppAuth/CLCRED/";
        return (root + "AAuthName", root + "AAuthSecret");
    }

    /// <summary>The DMClient provider node, root of Poll, Push and Unenroll (MDE2 §2.2.9.3, digest 3 and 4).</summary>
    public static string DmClientProviderPath(string providerId) => "./Vendor/MSFT/DMClient/Provider/" + providerId;

    /// <summary>The node a server Execs to unenroll the device (digest 4, server-initiated).</summary>
    public static string UnenrollPath(string providerId) => DmClientProviderPath(providerId) + "/Unenroll";
}
