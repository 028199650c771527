// The test classes marked [RunsLong] start first (tests/Testing/LongestFirst.cs).
[assembly: Xunit.TestCollectionOrderer(CaseEngine.Testing.LongestFirst.TypeName, CaseEngine.Testing.LongestFirst.AssemblyName)]
