namespace MedSettle.Transactions.Requests;

/// <summary>A request about one person, named by psn_no: the audit log's person when the answer shows their name and identity number.</summary>
public interface IPersonRequest
{
    string? PsnNo { get; }
}
