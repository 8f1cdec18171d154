using System.Runtime.CompilerServices;
using MedSettle.Privacy;

namespace MedSettle.Tests.Infrastructure;

/// <summary>The tests seal credentials under a key of their own, never the machine's key file.</summary>
internal static class TestKey
{
    [ModuleInitializer]
    internal static void Use()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(SecretBox.KeyVariable)))
            Environment.SetEnvironmentVariable(SecretBox.KeyVariable, SecretBox.NewKeyText());
    }
}
