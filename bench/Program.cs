// The benchmark harness (issue 8) lands here.
Console.WriteLine("CaseEngine benchmarks: not yet implemented.");
