namespace MedSettle.Engine;

/// <summary>A person's name as shown where the full name is not needed.</summary>
public static class PersonName
{
    /// <summary>The first character, and the last of a name of three or more: 李* · 张*三 · 欧**雪.</summary>
    public static string Mask(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "";
        var characters = System.Globalization.StringInfo.ParseCombiningCharacters(name);
        if (characters.Length == 1) return "*";
        var first = name[..characters[1]];
        if (characters.Length == 2) return first + "*";
        return first + new string('*', characters.Length - 2) + name[characters[^1]..];
    }
}
