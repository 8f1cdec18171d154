using MedSettle.Storage;
using NetArchTest.Rules;

namespace MedSettle.Tests;

/// <summary>
/// The layers of src/MedSettle (docs/ARCHITECTURE.md), lowest first: a namespace may use those before it and the engine
/// (its own project, below all of them), never one after it or a peer beside it. Checked in the compiled program's IL
/// (NetArchTest), so a dependency written with a full name or through a type's member counts as much as a using.
/// </summary>
public sealed class LayeringTests
{
    public static readonly string[][] Layers =
    [
        ["MedSettle.Foundation"],
        ["MedSettle.Privacy"],
        ["MedSettle.Storage"],
        ["MedSettle.Transactions"],
        ["MedSettle.WhatIf"],
        ["MedSettle.Import", "MedSettle.Verify", "MedSettle.Admin"],
        ["MedSettle.Web"],
        ["MedSettle.Pages"],
        ["MedSettle.Hosting"],
        ["MedSettle.Tools"],
        ["MedSettle.Cli"],
    ];

    public static TheoryData<string> Namespaces() => [.. Layers.SelectMany(layer => layer)];

    [Theory]
    [MemberData(nameof(Namespaces))]
    public void A_layer_uses_only_the_layers_below_it(string ns)
    {
        var level = Array.FindIndex(Layers, layer => layer.Contains(ns));
        var above = Layers.Skip(level + 1).SelectMany(layer => layer).Concat(Layers[level].Where(peer => peer != ns)).ToArray();

        var result = Types.InAssembly(typeof(Database).Assembly).That().ResideInNamespace(ns).ShouldNot().HaveDependencyOnAny(above).GetResult();

        Assert.True(result.IsSuccessful, $"{ns} may not use {string.Join(", ", above)}; these types do: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void Every_namespace_of_the_program_has_its_layer_and_the_check_sees_real_dependencies()
    {
        var known = Layers.SelectMany(layer => layer).ToHashSet();
        var namespaces = typeof(Database).Assembly.GetTypes().Select(t => t.Namespace).OfType<string>()
            .Where(n => n.StartsWith("MedSettle", StringComparison.Ordinal)).Distinct();
        Assert.All(namespaces, n => Assert.Contains(known, k => n == k || n.StartsWith(k + ".", StringComparison.Ordinal)));

        // not vacuous: the transactions do use storage, and the storage does not use the transactions
        Assert.False(Types.InAssembly(typeof(Database).Assembly).That().ResideInNamespace("MedSettle.Transactions")
            .ShouldNot().HaveDependencyOn("MedSettle.Storage").GetResult().IsSuccessful);
        // and the tools' sub-namespaces count as the tools: they are checked, and the command line does use them
        Assert.NotEmpty(Types.InAssembly(typeof(Database).Assembly).That().ResideInNamespace("MedSettle.Tools").GetTypes());
        Assert.False(Types.InAssembly(typeof(Database).Assembly).That().ResideInNamespace("MedSettle.Cli")
            .ShouldNot().HaveDependencyOn("MedSettle.Tools").GetResult().IsSuccessful);
    }
}
