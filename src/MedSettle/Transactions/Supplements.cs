using System.Text.Json;
using MedSettle.Engine;
using MedSettle.Storage;

namespace MedSettle.Transactions;

/// <summary>The supplementary funds' versions as stored (table supplements) and as the engine takes them.</summary>
public static class Supplements
{
    public static string FundCode(SupplementaryFund fund) => fund switch
    {
        SupplementaryFund.Hifob => "hifob",
        SupplementaryFund.Hifmi => "hifmi",
        _ => "maf",
    };

    public static bool TryParseFund(string? code, out SupplementaryFund fund)
    {
        fund = code switch { "hifob" => SupplementaryFund.Hifob, "hifmi" => SupplementaryFund.Hifmi, _ => SupplementaryFund.Maf };
        return code is "hifob" or "hifmi" or "maf";
    }

    private sealed record StoredBand(decimal? Upto, decimal Ratio);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Bands as the bands column holds them: <c>[{"upto":50000.00,"ratio":0.6},{"upto":null,"ratio":0.8}]</c>.</summary>
    public static string BandsJson(IEnumerable<Band> bands) =>
        JsonSerializer.Serialize(bands.Select(b => new StoredBand(b.Upto, b.Ratio)), Json);

    public static SupplementaryRule ToRule(SupplementRow row)
    {
        _ = TryParseFund(row.Fund, out var fund);
        var bands = JsonSerializer.Deserialize<StoredBand[]>(row.Bands, Json) ?? [];
        return new SupplementaryRule(row.InsuplcAdmdvs, fund, row.Insutype.Length == 0 ? null : row.Insutype,
            row.AssistanceType.Length == 0 ? null : row.AssistanceType, Formats.ParseDate(row.EffectiveFrom), Money.FromFen(row.ThresholdFen),
            bands.Select(b => new Band(b.Upto, b.Ratio)).ToArray(), Money.FromFen(row.AnnualCapFen));
    }

    /// <summary>Every version of every supplementary fund of <paramref name="region"/>.</summary>
    public static async Task<IReadOnlyList<SupplementaryRule>> VersionsAsync(UnitOfWork db, string region) =>
        (await db.QueryAsync<SupplementRow>("SELECT * FROM supplements WHERE insuplc_admdvs = @region", new { region })).Select(ToRule).ToList();
}
