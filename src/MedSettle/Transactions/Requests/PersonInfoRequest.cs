namespace MedSettle.Transactions.Requests;

/// <summary>
/// 1101 人员信息获取: the identity number on the person's card (certno; or mdtrt_cert_no, read when certno is absent and
/// mdtrt_cert_type is 02 or not sent), or the person's psn_no; at least one of them.
/// </summary>
public sealed record PersonInfoRequest(string? Certno, string? PsnNo) : IPersonRequest
{
    public static PersonInfoRequest Read(Input input)
    {
        var data = input.Node("data", orSelf: true);
        var certType = data.OptionalText("mdtrt_cert_type");
        var certno = data.OptionalText("certno") ?? (certType is null or "02" ? data.OptionalText("mdtrt_cert_no") : null);
        var psnNo = data.OptionalText("psn_no");
        if (certno is null && psnNo is null)
            throw new Refusal("请提供身份证号码（mdtrt_cert_type 02 与 mdtrt_cert_no，或 certno）或人员编号 psn_no");
        return new PersonInfoRequest(certno, psnNo);
    }
}
