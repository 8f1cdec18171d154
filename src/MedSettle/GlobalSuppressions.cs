// Analyzer findings kept on purpose, each with its reason. A suppression names its type or member exactly: when that
// is renamed or moved, the finding comes back as a build error and the reason is looked at again.

using System.Diagnostics.CodeAnalysis;

// CA1001: these own a field whose Dispose would release nothing the garbage collector does not. A SemaphoreSlim awaited
// only with WaitAsync never creates a wait handle; a ThreadLocal's per-thread hashes and a Utf8JsonWriter over an
// ArrayBufferWriter hold no unmanaged resource of their own. Each lives as long as its Database or its run.
[assembly: SuppressMessage("Design", "CA1001", Scope = "type", Target = "~T:MedSettle.Storage.Ids",
    Justification = "SemaphoreSlim used only with WaitAsync: nothing to release")]
[assembly: SuppressMessage("Design", "CA1001", Scope = "type", Target = "~T:MedSettle.Transactions.SettlementGroup",
    Justification = "SemaphoreSlim used only with WaitAsync: nothing to release")]
[assembly: SuppressMessage("Design", "CA1001", Scope = "type", Target = "~T:MedSettle.Privacy.KeyRing",
    Justification = "The ring lives as long as its database; ThreadLocal and its hashes are finalizable")]
[assembly: SuppressMessage("Design", "CA1001", Scope = "type", Target = "~T:MedSettle.Tools.Simulation.ProvinceSimulator.Run",
    Justification = "Utf8JsonWriter over an in-memory buffer: nothing to release")]

// CA1068: the transaction entry points take the token right after the request's body, as every caller passes it; the
// optional arguments after it are always given by name. Moving it would touch every caller for no change in behaviour.
[assembly: SuppressMessage("Design", "CA1068", Scope = "member",
    Target = "~M:MedSettle.Transactions.TransactionApi.CallAsync(MedSettle.Storage.Database,MedSettle.Foundation.PlatformClock,System.Byte[],System.Threading.CancellationToken,System.String,MedSettle.Transactions.HospitalSignature.Nonce,System.String,MedSettle.Transactions.TransactionSettings,MedSettle.Transactions.Groups.SettlementGroups)",
    Justification = "Token after the body; optional arguments follow by name")]
[assembly: SuppressMessage("Design", "CA1068", Scope = "member",
    Target = "~M:MedSettle.Transactions.TransactionApi.CallForFileAsync(MedSettle.Storage.Database,MedSettle.Foundation.PlatformClock,System.Byte[],System.Threading.CancellationToken,System.String,MedSettle.Transactions.HospitalSignature.Nonce,System.String,MedSettle.Transactions.TransactionSettings,MedSettle.Transactions.Groups.SettlementGroups)",
    Justification = "Token after the body; optional arguments follow by name")]

// CA1707: sealed_ is how this code spells a sealed (encrypted) value, the keyword taken.
[assembly: SuppressMessage("Naming", "CA1707", Scope = "member", Target = "~M:MedSettle.Privacy.DataKey.Open(System.ReadOnlySpan{System.Byte})~System.String",
    Justification = "sealed_: the keyword taken")]
[assembly: SuppressMessage("Naming", "CA1707", Scope = "member", Target = "~M:MedSettle.Privacy.PersonalData.Open(System.Byte[])~System.String",
    Justification = "sealed_: the keyword taken")]
[assembly: SuppressMessage("Naming", "CA1707", Scope = "member", Target = "~M:MedSettle.Privacy.PersonalData.KeyIdOf(System.Byte[])~System.UInt32",
    Justification = "sealed_: the keyword taken")]
