using System.Text;

namespace MedSettle.Import;

/// <summary>
/// First letters of the pinyin of a Chinese name (头孢曲松钠 → TBQSN), so that a clerk can find an item by typing
/// initials. GB 2312's level-1 characters (the 3,755 common ones) are ordered by pinyin, so a character's letter
/// follows from its position (区位码); rarer characters are skipped, Latin letters and digits kept.
/// </summary>
public static class PinyinInitials
{
    private static readonly int[] LetterStarts = [1601, 1637, 1833, 2078, 2274, 2302, 2433, 2594, 2787, 3106, 3212, 3472, 3635, 3722, 3730, 3858, 4027, 4086, 4390, 4558, 4684, 4925, 5249];
    private const string Letters = "ABCDEFGHJKLMNOPQRSTWXYZ";

    /// <summary>Rarer characters that drug and device names use often (outside GB 2312 level 1).</summary>
    private static readonly Dictionary<char, char> Supplement = new()
    {
        ['孢'] = 'B', ['啶'] = 'D', ['哌'] = 'P', ['噻'] = 'S', ['唑'] = 'Z', ['吡'] = 'B', ['嘧'] = 'M', ['喹'] = 'K', ['咪'] = 'M', ['嗪'] = 'Q',
        ['酰'] = 'X', ['羟'] = 'Q', ['胺'] = 'A', ['巯'] = 'Q', ['肟'] = 'W', ['苷'] = 'G', ['酮'] = 'T', ['酯'] = 'Z', ['烷'] = 'W', ['醚'] = 'M',
        ['嘌'] = 'P', ['呤'] = 'L', ['噁'] = 'E', ['氨'] = 'A', ['铵'] = 'A', ['胍'] = 'G', ['腈'] = 'J', ['萘'] = 'N', ['蒽'] = 'E', ['酚'] = 'F',
        ['哚'] = 'D', ['吲'] = 'Y', ['咔'] = 'K', ['噌'] = 'C', ['喏'] = 'R', ['恶'] = 'E', ['芬'] = 'F', ['洛'] = 'L', ['沙'] = 'S', ['霉'] = 'M',
        ['肽'] = 'T', ['胰'] = 'Y', ['钾'] = 'J', ['镁'] = 'M', ['钙'] = 'G', ['锌'] = 'X', ['碘'] = 'D', ['氯'] = 'L', ['氟'] = 'F', ['溴'] = 'X',
    };
    private static readonly Encoding Gb2312;

    static PinyinInitials()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Gb2312 = Encoding.GetEncoding("GB2312");
    }

    public static string Of(string text)
    {
        var initials = new StringBuilder(text.Length);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var c in text)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                initials.Append(char.ToUpperInvariant(c));
                continue;
            }
            if (c < 0x4E00 || c > 0x9FFF) continue;
            if (Supplement.TryGetValue(c, out var known))
            {
                initials.Append(known);
                continue;
            }
            if (Gb2312.GetBytes([c], bytes) != 2) continue;
            var position = (bytes[0] - 160) * 100 + (bytes[1] - 160);
            if (position < LetterStarts[0] || position > 5589) continue;
            var letter = Array.FindLastIndex(LetterStarts, start => position >= start);
            initials.Append(Letters[letter]);
        }
        return initials.ToString();
    }
}
