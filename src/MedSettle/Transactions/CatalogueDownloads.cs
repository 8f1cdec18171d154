using System.Globalization;
using System.IO.Compression;
using System.Text;
using Dapper;
using MedSettle.Storage;
using MedSettle.Transactions.Requests;

namespace MedSettle.Transactions;

/// <summary>
/// The catalogue downloads 1301–1311 and 1313–1315 (<see cref="CatalogueLists"/>): given the hospital's highest version
/// (ver), the rows of the list added or changed since it, as the national platform answers them: a file kept for the
/// calling hospital (<see cref="Files"/>), named in <c>file_qury_no, filename, dld_end_time, data_cnt</c> and fetched with
/// 9102. The file is a zip holding one UTF-8 text, a row per line, its cells in the list's national column order separated
/// by tabs, without a header; each row's ver is the version it was last added or changed in (ten digits), so the highest
/// ver in the file is what the hospital sends next time. The catalogue's versions are made by imports (Import/BundleImporter);
/// 1307's list, the diagnoses, has its own (<see cref="Diagnoses.Version"/>). With page_num or page_size the rows come
/// inline, a page at a time, named by the same columns. The catalogue is the province's and the same for every hospital;
/// only the file is the caller's.
/// </summary>
public static class CatalogueDownloads
{
    /// <summary>The lists a file's rows are written from, in code order: the catalogue's rows of one list_type.</summary>
    private static readonly string Rows = $"""
        SELECT med_list_codg, med_list_name, name_initials, med_chrgitm_type, chrgitm_lv, {CatalogueQueries.LimitedOf("")}, ver, first_ver
        FROM catalogue WHERE list_type = @listType AND ver > @since
        """;

    public static async Task<object?> DownloadAsync(TransactionContext ctx, CatalogueDownloadRequest request)
    {
        var list = CatalogueLists.ByInfno[ctx.Infno];
        var versions = list.ListType is null ? new Dictionary<long, string>() : await VersionsAsync(ctx.Db);
        var latest = list.ListType switch { null => Diagnoses.Version, "" => 0, _ => versions.Count == 0 ? 0 : versions.Keys.Max() };
        if (!list.Kept)
            ctx.Warn($"本平台没有{list.Name[..^2]}（省内异地急诊直接结算不使用此目录）：答复 0 行");
        else if (request.Since > latest)
            ctx.Warn($"本地版本号 ver {request.Since} 高于本平台{list.Name[..^2]}的最新版本 {latest}，没有更新的行：若本地版本号来自其他平台，请以 ver 0 重新全量下载");
        var since = request.Since;
        if (request.UpdatedSince is { } updated && list.ListType is not null) // the diagnoses have no release time: updt_time selects nothing of them
            since = Math.Max(since, versions.Where(v => string.CompareOrdinal(v.Value, updated.ToText()) >= 0).Select(v => v.Key).DefaultIfEmpty(latest + 1).Min() - 1);

        if (request.Page is { } page)
        {
            if (page.AskedSize > page.PageSize) ctx.Warn($"page_size {page.AskedSize} 超过每页上限 {Paging.MaxSize}，按 {Paging.MaxSize} 行一页答复");
            var total = await CountAsync(ctx.Db, list, since);
            var rows = new List<Dictionary<string, string?>>();
            await foreach (var item in ItemsAsync(ctx.Db, list, versions, since, page))
                rows.Add(list.Columns.Select((c, i) => (c.Field, Value: list.Values[i]?.Invoke(item))).ToDictionary(c => c.Field, c => c.Value));
            return CatalogueQueries.PageAnswer(page, total, rows);
        }

        var entry = $"{ctx.Infno}_{since}_{latest}_{ctx.Now:yyyyMMddHHmmss}.txt";
        using var zip = new MemoryStream();
        var count = await WriteZipAsync(zip, entry, list, ItemsAsync(ctx.Db, list, versions, since, page: null), ctx.Now);
        var stored = await Files.StoreAsync(ctx, entry + ".zip", zip.GetBuffer().AsMemory(0, (int)zip.Length), ctx.Infno);
        return new { file_qury_no = stored.FileQuryNo, filename = stored.Filename, dld_end_time = stored.DldEndtime, data_cnt = count };
    }

    /// <summary>The catalogue's versions: each one's release time.</summary>
    internal static async Task<Dictionary<long, string>> VersionsAsync(UnitOfWork db) =>
        (await db.QueryAsync<(long Ver, string ReleasedAt)>("SELECT ver, released_at FROM catalogue_versions")).ToDictionary(v => v.Ver, v => v.ReleasedAt);

    /// <summary>What a version is called in the lists' ver_name.</summary>
    internal static string VersionName(long ver, string? releasedAt) =>
        releasedAt is null ? $"医保目录第{ver}版" : $"医保目录第{ver}版（{releasedAt[..10]}）";

    private static async Task<long> CountAsync(UnitOfWork db, CatalogueLists.DownloadList list, long since) => list.ListType switch
    {
        null => since < Diagnoses.Version ? Diagnoses.Common.Length : 0,
        "" => 0,
        var listType => await db.ScalarAsync<long>($"SELECT COUNT(*) FROM ({Rows}) r", new { listType, since }),
    };

    /// <summary>The rows of the list changed since version <paramref name="since"/>, in code order (a page of them, or all), read as they stream in.</summary>
    private static async IAsyncEnumerable<CatalogueLists.Item> ItemsAsync(UnitOfWork db, CatalogueLists.DownloadList list,
        IReadOnlyDictionary<long, string> versions, long since, Paging? page)
    {
        if (list.ListType is null)
        {
            if (since >= Diagnoses.Version) yield break;
            var name = $"ICD-10 急诊常用诊断第{Diagnoses.Version}版";
            foreach (var (code, diagnosis) in Diagnoses.Common.OrderBy(d => d.Code, StringComparer.Ordinal).Skip((int)(page?.Offset ?? 0)).Take(page?.PageSize ?? int.MaxValue))
                yield return new CatalogueLists.Item(code, diagnosis, null, "", 0, false, Diagnoses.Version, null, null, name);
            yield break;
        }
        if (list.ListType == "") yield break;

        var sql = $"{Rows} ORDER BY med_list_codg" + (page is null ? "" : " LIMIT @limit OFFSET @offset");
        await using var reader = await db.Connection.ExecuteReaderAsync(new CommandDefinition(sql,
            new { listType = list.ListType, since, limit = page?.PageSize ?? 0, offset = page?.Offset ?? 0 }, db.Transaction));
        var names = new Dictionary<long, string>();
        while (await reader.ReadAsync())
        {
            var ver = reader.GetInt64(6);
            var begins = versions.GetValueOrDefault(ver);
            if (!names.TryGetValue(ver, out var verName)) names[ver] = verName = VersionName(ver, begins);
            yield return new CatalogueLists.Item(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3), Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture) == 1,
                ver, begins, versions.GetValueOrDefault(reader.GetInt64(7)), verName);
        }
    }

    /// <summary>
    /// Writes the zip of one text entry, a row per line in the list's columns separated by tabs, streamed from
    /// <paramref name="items"/> straight into the compressed entry; the number of rows written.
    /// </summary>
    private static async Task<int> WriteZipAsync(Stream zip, string entryName, CatalogueLists.DownloadList list, IAsyncEnumerable<CatalogueLists.Item> items,
        DateTime now)
    {
        var count = 0;
        using var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true);
        var entry = archive.CreateEntry(entryName, CompressionLevel.Optimal);
        entry.LastWriteTime = new DateTimeOffset(now, TimeSpan.FromHours(8));
        await using var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false), 1 << 16);
        var values = list.Values;
        await foreach (var item in items)
        {
            for (var i = 0; i < values.Length; i++)
            {
                if (i > 0) writer.Write('\t');
                if (values[i]?.Invoke(item) is { } value) writer.Write(Cell(value));
            }
            writer.Write('\n');
            count++;
        }
        return count;
    }

    /// <summary>A value as a cell: a tab or line break in it (a name typed with one) becomes a space.</summary>
    private static string Cell(string value) =>
        value.AsSpan().IndexOfAny('\t', '\r', '\n') < 0 ? value : value.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
