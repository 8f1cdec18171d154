using System.Text.Json;
using Dapper;
using MedSettle.Storage;

namespace MedSettle.Tests.Infrastructure;

/// <summary>Everything a transaction could change, as one comparable text: equal before and after means nothing changed.</summary>
public static class Fingerprint
{
    /// <summary>The whole business state (nonces and credentials aside).</summary>
    public static Task<string> OfAsync(Database database) => QueryAsync(database, "", new { });

    /// <summary>What belongs to one hospital: its messages, sign-ins, filings, visits, fee lines, settlements, confirmations, files, item mappings, and its patients' accounts.</summary>
    public static Task<string> OfHospitalAsync(Database database, string hospital) => QueryAsync(database, hospital, new { hospital });

    private static async Task<string> QueryAsync(Database database, string hospital, object param)
    {
        var only = hospital.Length == 0 ? "" : " WHERE fixmedins_code = @hospital";
        var visits = hospital.Length == 0 ? "" : " WHERE mdtrt_id IN (SELECT mdtrt_id FROM visits WHERE fixmedins_code = @hospital)";
        var linesOfVisits = hospital.Length == 0 ? " WHERE" : " WHERE f.mdtrt_id IN (SELECT mdtrt_id FROM visits WHERE fixmedins_code = @hospital) AND";
        await using var connection = await database.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync(
            $"""
            SELECT (SELECT COUNT(*) FROM messages{only}) AS messages,
                   (SELECT COUNT(*) FROM messages{(only.Length == 0 ? " WHERE" : only + " AND")} state = 'done') AS done,
                   (SELECT COUNT(*) FROM sign_ins{only}) AS sign_ins,
                   (SELECT COUNT(*) FROM sign_ins{(only.Length == 0 ? " WHERE" : only + " AND")} sign_out_time IS NULL) AS signed_in,
                   (SELECT COUNT(*) FROM filings{(only.Length == 0 ? " WHERE" : only + " AND")} revoked_at IS NULL) AS filings,
                   (SELECT COUNT(*) FROM visits{(only.Length == 0 ? " WHERE" : only + " AND")} cancelled_at IS NULL) AS visits,
                   (SELECT COUNT(*) FROM visits{(only.Length == 0 ? " WHERE" : only + " AND")} endtime IS NOT NULL) AS discharged,
                   (SELECT COUNT(*) FROM fee_lines{(visits.Length == 0 ? " WHERE" : visits + " AND")} withdrawn_at IS NULL) AS fee_lines,
                   (SELECT COUNT(*) FROM fee_lines f JOIN settlements t ON t.mdtrt_id = f.mdtrt_id AND t.bill_no = f.bill_no AND t.kind = 'settle'
                    {linesOfVisits} f.withdrawn_at IS NULL) AS settled_lines,
                   (SELECT COALESCE(SUM(f.bill_no), 0) FROM fee_lines f{linesOfVisits} 1 = 1) AS bill_numbers,
                   (SELECT COUNT(*) FROM settlements{only}) AS settlements,
                   (SELECT COUNT(*) FROM settlements{(only.Length == 0 ? " WHERE" : only + " AND")} reversed_by IS NOT NULL) AS reversed,
                   (SELECT COUNT(*) FROM clearing_confirmations{only}) AS confirmations,
                   (SELECT COUNT(*) FROM files{only}) AS files,
                   (SELECT COUNT(*) FROM item_mappings{only}) AS item_mappings,
                   (SELECT COUNT(*) FROM item_mappings{(only.Length == 0 ? " WHERE" : only + " AND")} withdrawn_at IS NULL) AS item_mappings_in_force,
                   (SELECT COALESCE(SUM(acct_balc_fen), 0) FROM persons) AS balances,
                   (SELECT COALESCE(SUM(hifp_paid_fen + dedc_outpatient_fen + dedc_inpatient_fen), 0) FROM year_accumulators) AS accumulators
            """, param);
        return JsonSerializer.Serialize(row);
    }
}
