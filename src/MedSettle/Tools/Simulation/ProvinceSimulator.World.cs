using System.Buffers;
using System.Globalization;
using MedSettle.Engine;
using Dapper;
using MedSettle.Storage;

namespace MedSettle.Tools.Simulation;

// The world a run loads from the database: hospitals, insured people, the catalogue with its list prices, the last msgids.
public sealed partial class ProvinceSimulator
{
    private sealed class HospitalData
    {
        public string FixmedinsCode { get; set; } = "";
        public string FixmedinsName { get; set; } = "";
        public string Admdvs { get; set; } = "";
        public long HospLv { get; set; }
    }

    private sealed class PersonData
    {
        public string PsnNo { get; set; } = "";
        public string InsuplcAdmdvs { get; set; } = "";
        public string Insutype { get; set; } = "";
        public string Gend { get; set; } = "";
        public string Brdy { get; set; } = "";
    }

    private sealed class ItemData
    {
        public string MedListCodg { get; set; } = "";
        public string MedListName { get; set; } = "";
        public string ListType { get; set; } = "";
        public string MedChrgitmType { get; set; } = "";
        public long ChrgitmLv { get; set; }
        public string? PricUplmtAmt { get; set; }
        public string? LmtGend { get; set; }
        public long? LmtAgeMin { get; set; }
        public long? LmtAgeMax { get; set; }
        public string? LmtDailyCnt { get; set; }
        public string? ExclGroup { get; set; }
    }

    private sealed class MsgidData
    {
        public string FixmedinsCode { get; set; } = "";
        public string? Msgid { get; set; }
    }

    private sealed record Hospital(int Index, string Code, string Name, string Admdvs, int Level, string Mac, string Ip);

    private sealed record Person(string PsnNo, string Admdvs, string Insutype, Patient Patient);

    /// <summary>A catalogue item; <paramref name="ListPrice"/> is its ceiling, or else a stable price of its own (the catalogue carries none).</summary>
    /// <paramref name="Limits"/>: the catalogue's supervision limits (docs/SUPERVISION.md); clean traffic charges no item with
    /// a limit it could break (<see cref="Clean"/>), planted anomalies do.
    private sealed record Item(string Code, string Name, string Type, int Level, decimal? Ceiling, decimal ListPrice, ItemLimits Limits)
    {
        /// <summary>No sex, age or daily limit, and in no exclusion group unless it is a bed (a stay charges one bed item).</summary>
        public bool Clean => Limits.Sex is null && Limits.MinAge is null && Limits.MaxAge is null && Limits.DailyCount is null
                             && (Limits.ExclusionGroup is null || Type == Supervision.BedChargeItemType);
    }

    /// <summary>The hospitals a person of one home region may be treated at (any other region), with cumulative weights.</summary>
    private sealed record Choices(Hospital[] Hospitals, double[] Cumulative);

    private sealed class World
    {
        public required Hospital[] Hospitals { get; init; }
        public required Person[] Persons { get; init; }
        /// <summary>The items clean traffic charges, by charge-item type.</summary>
        public required Dictionary<string, Item[]> ItemsByType { get; init; }

        /// <summary>Every item with a supervision limit (what anomalies are planted with).</summary>
        public required Item[] Limited { get; init; }
        public required Dictionary<string, (DateTime Time, int Sequence)> LastMsgids { get; init; }

        public static async Task<World> LoadAsync(Database database, IReadOnlySet<string> spare, CancellationToken cancel)
        {
            await using var c = await database.OpenConnectionAsync(cancel);
            var hospitals = (await c.QueryAsync<HospitalData>(new CommandDefinition(
                "SELECT fixmedins_code, fixmedins_name, admdvs, hosp_lv FROM hospitals WHERE cross_region_enabled = 1 ORDER BY fixmedins_code",
                cancellationToken: cancel))).ToList();
            var persons = (await c.QueryAsync<PersonData>(new CommandDefinition(
                "SELECT psn_no, insuplc_admdvs, insutype, gend, brdy FROM persons WHERE psn_insu_stas = '1' ORDER BY insuplc_admdvs, psn_no, insutype",
                cancellationToken: cancel))).Where(p => !spare.Contains(p.PsnNo)).ToList();
            var items = (await c.QueryAsync<ItemData>(new CommandDefinition(
                "SELECT med_list_codg, med_list_name, list_type, med_chrgitm_type, chrgitm_lv, pric_uplmt_amt, lmt_gend, lmt_age_min, lmt_age_max, lmt_daily_cnt, excl_group "
                + "FROM catalogue ORDER BY med_list_codg",
                cancellationToken: cancel))).ToList();
            // The last msgid each hospital used in the national shape (code + 14-digit time + 4-digit sequence), so that a run never repeats one.
            var marks = (await c.QueryAsync<MsgidData>(new CommandDefinition(
                """
                SELECT fixmedins_code, MAX(msgid) AS msgid FROM messages
                WHERE LENGTH(msgid) = LENGTH(fixmedins_code) + 18 AND SUBSTR(msgid, 1, LENGTH(fixmedins_code)) = fixmedins_code
                GROUP BY fixmedins_code ORDER BY fixmedins_code
                """, cancellationToken: cancel))).ToList();

            if (hospitals.Count == 0) throw new InvalidOperationException("No hospital is open for cross-region settlement: import a reference-data bundle first.");
            if (persons.Count == 0) throw new InvalidOperationException("No insured person with an active scheme: import a reference-data bundle first.");
            if (items.Count == 0) throw new InvalidOperationException("The catalogue is empty: import a reference-data bundle first.");
            if (hospitals.Select(h => h.Admdvs).Distinct().Count() < 2 && persons.All(p => p.InsuplcAdmdvs == hospitals[0].Admdvs))
                throw new InvalidOperationException("Every open hospital lies in the home region of every person: there is no cross-region care to simulate.");

            var all = items.Select(i =>
            {
                var level = (int)Math.Clamp(i.ChrgitmLv, 1, 3);
                decimal? ceiling = decimal.TryParse(i.PricUplmtAmt, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : null;
                var limits = new ItemLimits(Sexes.FromGend(i.LmtGend), i.LmtAgeMin is { } min ? (int)min : null, i.LmtAgeMax is { } max ? (int)max : null,
                    i.LmtDailyCnt is { } daily ? decimal.Parse(daily, CultureInfo.InvariantCulture) : null, i.ExclGroup);
                return new Item(i.MedListCodg, i.MedListName, i.MedChrgitmType, level, ceiling, ceiling ?? ListPrice(i.MedListCodg, i.MedChrgitmType, level),
                    limits == ItemLimits.None ? ItemLimits.None : limits);
            }).ToList();

            var lastMsgids = new Dictionary<string, (DateTime, int)>(StringComparer.Ordinal);
            foreach (var mark in marks)
            {
                var tail = mark.Msgid?[mark.FixmedinsCode.Length..] ?? "";
                if (DateTime.TryParseExact(tail[..Math.Min(14, tail.Length)], "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                    && tail.Length == 18 && int.TryParse(tail.AsSpan(14), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
                    lastMsgids[mark.FixmedinsCode] = (time, sequence);
            }

            return new World
            {
                Hospitals = hospitals.Select((h, i) => new Hospital(i, h.FixmedinsCode, h.FixmedinsName, h.Admdvs, (int)Math.Clamp(h.HospLv, 1, 3),
                    $"00-16-3E-{i / 256 % 256:X2}-{i % 256:X2}-{h.Admdvs.Length:X2}", $"10.{22}.{i / 250 % 250 + 1}.{i % 250 + 1}")).ToArray(),
                Persons = persons.Select(p => new Person(p.PsnNo, p.InsuplcAdmdvs, p.Insutype,
                    new Patient(Sexes.FromGend(p.Gend), Formats.ParseDate(p.Brdy)))).ToArray(),
                ItemsByType = all.Where(i => i.Clean)
                    .GroupBy(i => i.Type, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal),
                Limited = all.Where(i => i.Limits != ItemLimits.None).ToArray(),
                LastMsgids = lastMsgids,
            };
        }
    }

    /// <summary>
    /// The price of an item without a ceiling: the same for every case (a drug costs what it costs), spread log-uniformly
    /// over a range typical of its charge-item type by a hash of its code, so it depends on nothing but the catalogue.
    /// </summary>
    private static decimal ListPrice(string code, string type, int level)
    {
        var hash = 14695981039346656037UL;
        foreach (var ch in code) hash = (hash ^ ch) * 1099511628211UL;
        var u = (hash >> 11) / (double)(1UL << 53);
        var (low, high) = type switch
        {
            "01" => level == 3 ? (150.0, 400.0) : (40.0, 120.0),
            "02" => level == 3 ? (50.0, 300.0) : (10.0, 50.0),
            "03" => (60.0, 800.0),
            "04" => (5.0, 150.0),
            "05" => (3.0, 300.0),
            "06" => (300.0, 6000.0),
            "07" => (10.0, 100.0),
            "08" => (2.0, 2000.0),
            "09" => (1.0, 1500.0),
            "10" => (0.5, 30.0),
            "11" => (5.0, 300.0),
            _ => (5.0, 300.0),
        };
        return RoundPrice((decimal)Math.Exp(Math.Log(low) + (Math.Log(high) - Math.Log(low)) * u), type);
    }

    /// <summary>Services are priced in whole yuan (or 0.1 below 10 yuan), goods to the fen.</summary>
    private static decimal RoundPrice(decimal price, string type)
    {
        var service = type is "01" or "02" or "03" or "04" or "05" or "06" or "07";
        var places = !service ? 2 : price >= 10m ? 0 : 1;
        return Math.Max(0.01m, Math.Round(price, places, MidpointRounding.AwayFromZero));
    }
}
