using System.Globalization;

namespace MedSettle.Transactions.Requests;

/// <summary>
/// A catalogue download (1301–1311, 1313–1315), from input.data (an object, a one-element list, or its fields directly in
/// input): the hospital's highest version (ver, 本地最大版本号; "0" or not sent: the whole list), the rows changed since it
/// answered. With page_num or page_size (the paged variant) the rows come inline instead of as a file; updt_time then
/// also limits them to rows changed at or after that time.
/// </summary>
public sealed record CatalogueDownloadRequest(long Since, Paging? Page, DateTime? UpdatedSince)
{
    public static CatalogueDownloadRequest Read(Input input)
    {
        var data = input.OneNode("data", orSelf: true);
        return new CatalogueDownloadRequest(Version(data), Paging.ReadOptional(data), data.OptionalTime("updt_time"));
    }

    /// <summary>ver as digits (leading zeros too: 0000000002), at most 18 of them; not sent or empty: 0.</summary>
    private static long Version(Input data)
    {
        if (data.OptionalText("ver") is not { } text) return 0;
        if (text.Length > 18 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ver))
            throw new Refusal($"字段 {data.Path}.ver 的值 \"{text}\" 不是本平台的目录版本号：请发送已下载目录中最大的版本号 ver（如 0000000002），首次下载发送 0")
                { Code = RefusalCode.FieldInvalid, Field = data.Field("ver"), Kind = FieldKind.Count, Value = text };
        return ver;
    }
}
