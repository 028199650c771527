using Xunit;
using Xunit.Abstractions;

namespace CaseEngine.Testing;

/// <summary>
/// A test class whose tests or class fixture take long (a minute of workload, a crashed server's recovery, a
/// browser): <see cref="LongestFirst"/> starts it before the others.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RunsLongAttribute : Attribute;

/// <summary>
/// Starts the test classes marked <see cref="RunsLongAttribute"/> first, then the rest in xunit's own order
/// (longest processing time first). xunit runs two test collections at a time (tests/xunit.runner.json) in the
/// order the orderer gives; left to its default, the oracle's 2,000-petition class fixture (about 80 s) came last
/// in Projections.Tests and ran alone for 90 s while the other slot was idle. Register it in a test project with
/// <c>[assembly: TestCollectionOrderer(LongestFirst.TypeName, LongestFirst.AssemblyName)]</c>.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    public const string TypeName = "CaseEngine.Testing.LongestFirst", AssemblyName = "CaseEngine.Testing";

    // xunit 2 names a class's own collection "Test collection for <full class name>" and gives no other link to the class.
    private const string ClassCollection = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => RunsLong(c) ? 0 : 1); // a stable sort: xunit's order within each group

    private static bool RunsLong(ITestCollection collection)
    {
        var type = collection.CollectionDefinition?.ToRuntimeType();
        if (type is null && collection.DisplayName.StartsWith(ClassCollection, StringComparison.Ordinal))
            type = collection.TestAssembly.Assembly.GetType(collection.DisplayName[ClassCollection.Length..])?.ToRuntimeType();
        return type?.IsDefined(typeof(RunsLongAttribute), inherit: true) == true;
    }
}
