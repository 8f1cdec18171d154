namespace MedSettle.Transactions;

/// <summary>
/// A visit's fee lines belong to numbered bills. A line is uploaded into the visit's open bill; a settlement takes the
/// open bill whole (<c>settlements.bill_no</c>), so settling writes no fee line; the next upload goes into the next
/// bill. A settlement of one charge batch (2206/2207 with chrg_bchno, <c>settlements.chrg_bchno</c>) moves the bill's
/// other lines on to the next bill, the open one once it is written (SettlementEffects), and takes what stays. The open bill is the one after the last a settlement of the visit took, whether that settlement stands or was
/// reversed; a reversal moves its bill's lines into the open one, where they are settled again with anything uploaded
/// since. Every step runs under the person's lock, so a bill never changes while it is read.
/// </summary>
public static class Bills
{
    /// <summary>SQL: the number of the open bill of the visit whose id is the expression <paramref name="mdtrtId"/>.</summary>
    public static string OpenNumber(string mdtrtId) =>
        $"(SELECT COALESCE(MAX(b.bill_no), 0) + 1 FROM settlements b WHERE b.mdtrt_id = {mdtrtId} AND b.kind = 'settle')";

    /// <summary>
    /// SQL: fee lines <c>f</c>, each with the settlement that took it as <c>setl_id</c> (NULL while open, and for a
    /// withdrawn line); filter with WHERE/ORDER BY after it.
    /// </summary>
    public const string LinesWithSettlement = """
        SELECT f.*, t.setl_id FROM fee_lines f
        LEFT JOIN settlements t ON t.mdtrt_id = f.mdtrt_id AND t.bill_no = f.bill_no AND t.kind = 'settle' AND f.withdrawn_at IS NULL
        """;

    /// <summary>
    /// SQL condition on fee lines <c>f</c>: the line is one of visit <paramref name="mdtrtId"/>'s (an expression, such as a
    /// parameter or another table's column) and not withdrawn, whichever bill it is in.
    /// </summary>
    public static string LinesOf(string mdtrtId) => $"f.mdtrt_id = {mdtrtId} AND f.withdrawn_at IS NULL";

    /// <summary>SQL condition on fee lines <c>f</c>: the line is in bill <paramref name="billNo"/> of visit <paramref name="mdtrtId"/> and not withdrawn.</summary>
    public static string LinesOfBill(string mdtrtId, string billNo) => $"{LinesOf(mdtrtId)} AND f.bill_no = {billNo}";

    /// <summary>
    /// SQL condition on fee lines <c>f</c>: the line is in visit <paramref name="mdtrtId"/>'s open bill and not withdrawn.
    /// The open bill's number is found once, not once per line.
    /// </summary>
    public static string OpenLinesOf(string mdtrtId) => LinesOfBill(mdtrtId, OpenNumber(mdtrtId));

    /// <summary>SQL: the fee lines <c>f</c> the reversed settlement <c>@setlId</c> had taken (noted by its reversal; none for one reversed before migration 17).</summary>
    public const string LinesOfReversed = """
        SELECT f.* FROM fee_lines f
        JOIN reversed_lines r ON r.mdtrt_id = f.mdtrt_id AND r.upload_msgid = f.upload_msgid AND r.feedetl_sn = f.feedetl_sn
        WHERE r.setl_id = @setlId
        """;
}
