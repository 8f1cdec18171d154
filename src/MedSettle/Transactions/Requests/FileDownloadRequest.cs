namespace MedSettle.Transactions.Requests;

/// <summary>
/// 9102 文件下载, from input.fsDownloadIn or its fields directly in input: the file's query number. Its filename and
/// fixmedins_code are not read: clients send "plc" in both for catalogue files, and the file is named by its query number alone.
/// </summary>
public sealed record FileDownloadRequest(string FileQuryNo)
{
    public static FileDownloadRequest Read(Input input) => new(input.Node("fsDownloadIn", orSelf: true).Text("file_qury_no"));
}
