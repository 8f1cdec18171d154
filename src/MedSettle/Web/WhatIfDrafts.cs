using System.Security.Claims;
using System.Security.Cryptography;
using MedSettle.Storage;
using MedSettle.WhatIf;

namespace MedSettle.Web;

/// <summary>A row of whatif_drafts: a named policy draft, its rows as <see cref="PolicyDraft.ToJson"/> writes them.</summary>
public sealed class WhatIfDraftRow
{
    public string Id { get; set; } = "";
    public string OwnerAdmdvs { get; set; } = "";
    public string Name { get; set; } = "";
    public string PeriodFrom { get; set; } = "";
    public string PeriodTo { get; set; } = "";
    public string Rows { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public string CreatedAt { get; set; } = "";
    public string UpdatedAt { get; set; } = "";
}

/// <summary>
/// The 政策测算 page's saved drafts. Each belongs to an owner — an agency's region, or '' for the province's — and only
/// that owner's staff list, load, run or delete it: every read and write here is by owner, so another owner's draft is
/// simply not found. A name is unique per owner: saving under a name the owner already has replaces that draft.
/// </summary>
public static class WhatIfDrafts
{
    public const int MaxNameLength = 40;

    /// <summary>Whose drafts the staff member works with: the agency's region, or '' for the province.</summary>
    public static string OwnerOf(ClaimsPrincipal user) => user.IsInRole(Roles.Province) ? "" : user.Region() ?? throw new InvalidOperationException("an agency account without a region");

    /// <summary>The name as saved, or a message saying what is wrong with it.</summary>
    public static (string? Name, string? Problem) CheckName(string? name)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0) return (null, "请填写草案名称");
        if (trimmed.Length > MaxNameLength) return (null, $"草案名称最多 {MaxNameLength} 个字");
        return trimmed.Any(char.IsControl) ? (null, "草案名称不能含有换行或控制字符") : (trimmed, null);
    }

    public static async Task<IReadOnlyList<WhatIfDraftRow>> ListAsync(Database database, string owner) =>
        (await database.ReadAsync(unit => unit.QueryAsync<WhatIfDraftRow>(
            "SELECT * FROM whatif_drafts WHERE owner_admdvs = @owner ORDER BY updated_at DESC, name", new { owner }))).ToList();

    public static Task<WhatIfDraftRow?> FindAsync(Database database, string owner, string? id) =>
        string.IsNullOrEmpty(id)
            ? Task.FromResult<WhatIfDraftRow?>(null)
            : database.ReadAsync(unit => unit.FirstOrDefaultAsync<WhatIfDraftRow>(
                "SELECT * FROM whatif_drafts WHERE owner_admdvs = @owner AND id = @id", new { owner, id }));

    /// <summary>Saves the draft under the owner's name (replacing the owner's draft of that name); returns the saved row and whether it replaced one.</summary>
    public static Task<(WhatIfDraftRow Row, bool Replaced)> SaveAsync(Database database, string owner, string name, DateOnly from, DateOnly to,
        PolicyDraft draft, string by, DateTime now) =>
        database.WriteAsync(async unit =>
        {
            var at = now.ToText();
            var existing = await unit.FirstOrDefaultAsync<string>(
                "SELECT id FROM whatif_drafts WHERE owner_admdvs = @owner AND name = @name", new { owner, name });
            var row = new WhatIfDraftRow
            {
                Id = existing ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), OwnerAdmdvs = owner, Name = name,
                PeriodFrom = from.ToText(), PeriodTo = to.ToText(), Rows = draft.ToJson(), CreatedBy = by, CreatedAt = at, UpdatedAt = at,
            };
            // the same name saved twice at once by two of the owner's staff: the later one's rows stand
            await unit.ExecuteAsync("""
                INSERT INTO whatif_drafts (id, owner_admdvs, name, period_from, period_to, rows, created_by, created_at, updated_at)
                VALUES (@Id, @OwnerAdmdvs, @Name, @PeriodFrom, @PeriodTo, @Rows, @CreatedBy, @CreatedAt, @UpdatedAt)
                ON CONFLICT (owner_admdvs, name) DO UPDATE SET
                    period_from = excluded.period_from, period_to = excluded.period_to, rows = excluded.rows, updated_at = excluded.updated_at
                """, row);
            var saved = await unit.FirstOrDefaultAsync<WhatIfDraftRow>(
                "SELECT * FROM whatif_drafts WHERE owner_admdvs = @owner AND name = @name", new { owner, name });
            return ((saved!, existing is not null), true);
        });

    /// <summary>Deletes the owner's draft; false when the owner has no draft with this id.</summary>
    public static Task<bool> DeleteAsync(Database database, string owner, string id) =>
        database.WriteAsync(async unit =>
        {
            var deleted = await unit.ExecuteAsync("DELETE FROM whatif_drafts WHERE owner_admdvs = @owner AND id = @id", new { owner, id });
            return (deleted > 0, true);
        });
}
