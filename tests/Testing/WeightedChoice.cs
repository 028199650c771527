namespace CaseEngine.Testing;

/// <summary>A random pick in proportion to weights: the workload's and the fault run's next command.</summary>
public static class WeightedChoice
{
    /// <summary>One of <paramref name="options"/> chosen with probability weight / total, or default when there is none.</summary>
    public static T? PickWeighted<T>(this Random rng, IReadOnlyList<T> options, Func<T, double> weight)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(weight);
        if (options.Count == 0)
            return default;
        var pick = rng.NextDouble() * options.Sum(weight);
        foreach (var option in options)
        {
            pick -= weight(option);
            if (pick <= 0)
                return option;
        }
        // Rounding can leave a sliver above the last weight.
        return options[^1];
    }
}
