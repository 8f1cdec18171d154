using MedSettle.Storage;
using MedSettle.Transactions;

namespace MedSettle.Tools.Demo;

/// <summary>What <c>medsettle demo</c> prints once it serves: where (its folder, its database), how to sign in, and the walkthrough's credentials.</summary>
public static class DemoBanner
{
    public static string Of(string url, DemoFolder folder, Database database, HospitalCredential walkthrough) =>
        string.Join(Environment.NewLine,
        [
            "",
            $"MedSettle demo province is running at {url}  (folder {folder.Path}, its own while this demo runs; database {database.Description}; "
            + $"names and identity numbers encrypted with {database.Keys.Source.Description})",
            $"Web: {url}/login — clerk / clerk123 (吉林市示例中心医院 收费窗口), province / province123 (全省看板), changchun / agency123 (长春市经办)",
            "Transaction API credentials of 吉林市示例中心医院 (H22020000001), for every request's x-tif-* headers (see README.md):",
            $"  PAASID={walkthrough.Paasid} SECRET={walkthrough.Secret}",
            "Try the whole settlement flow, signed with openssl (sign in, look up 张伟, file, register, bill, settle, reverse):",
            $"  URL={url} PAASID={walkthrough.Paasid} SECRET={walkthrough.Secret} bash docs/flow.sh",
            $"Credentials for another hospital: medsettle hospital credentials --db {database.Description} CODE",
            "The full settlement flow with curl is in README.md. Press Ctrl+C to stop.",
            "",
        ]);
}
