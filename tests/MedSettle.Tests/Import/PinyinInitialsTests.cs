using MedSettle.Import;

namespace MedSettle.Tests.Import;

public class PinyinInitialsTests
{
    [Theory]
    [InlineData("注射用头孢曲松钠", "ZSYTBQSN")]
    [InlineData("急诊监护", "JZJH")]
    [InlineData("CT平扫", "CTPS")]
    [InlineData("一次性使用输液器", "YCXSYSYQ")]
    [InlineData("氯化钠注射液0.9%", "LHNZSY09")]
    public void Names_are_searchable_by_the_first_letters_of_their_pinyin(string name, string initials) =>
        Assert.Equal(initials, PinyinInitials.Of(name));
}
