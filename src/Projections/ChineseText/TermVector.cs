namespace CaseEngine.Projections.ChineseText;

/// <summary>
/// A TF-IDF vector of a petition's words: weight(t) = (1 + ln tf(t)) · idf(t) · fact(t), where tf
/// counts the subject's words twice (the subject names the matter; the content tells it), idf is
/// jieba's corpus IDF (the median for unknown words, which are mostly names of people, places and
/// firms), and fact(t) = <see cref="FactWeight"/> for words holding a digit — amounts, dates, areas,
/// head counts, house numbers: the facts a petitioner repeats when rewording the same matter and that
/// differ between two matters of the same kind — and 1 otherwise. Static weights, so the same words
/// always give the same vector: no corpus statistics to keep, and a rebuilt read model scores alike.
/// </summary>
public sealed class TermVector
{
    private readonly Dictionary<string, double> _weights;

    private TermVector(Dictionary<string, double> weights)
    {
        _weights = weights;
        Norm = Math.Sqrt(weights.Values.Sum(w => w * w));
    }

    public double Norm { get; }

    /// <summary>How much more a word with a digit weighs than another word of the same IDF.</summary>
    public const double FactWeight = 2.0;

    public int Count => _weights.Count;

    public IReadOnlyDictionary<string, double> Weights => _weights;

    /// <summary>The vector of a subject's and a content's words (as <see cref="ChineseTextAnalyzer.Terms"/> gives them).</summary>
    public static TermVector From(IEnumerable<string> subjectTerms, IEnumerable<string> contentTerms, Func<string, double> idf)
    {
        ArgumentNullException.ThrowIfNull(subjectTerms);
        ArgumentNullException.ThrowIfNull(contentTerms);
        ArgumentNullException.ThrowIfNull(idf);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in subjectTerms)
            counts[t] = counts.GetValueOrDefault(t) + 2;
        foreach (var t in contentTerms)
            counts[t] = counts.GetValueOrDefault(t) + 1;
        return new TermVector(counts.ToDictionary(c => c.Key, c => (1 + Math.Log(c.Value)) * idf(c.Key) * Fact(c.Key), StringComparer.Ordinal));
    }

    /// <summary>The vector of a subject and a content, segmented by <paramref name="text"/> (the content's first <paramref name="maxContentChars"/> characters).</summary>
    public static TermVector Of(ChineseTextAnalyzer text, string subject, string content, int maxContentChars = 2_000)
    {
        ArgumentNullException.ThrowIfNull(text);
        return From(text.Terms(subject), text.Terms(content, maxContentChars), text.Idf);
    }

    private static double Fact(string term) => term.Any(char.IsAsciiDigit) ? FactWeight : 1.0;

    /// <summary>Cosine similarity in [0, 1]; 0 when either vector is empty.</summary>
    public double Cosine(TermVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Norm == 0 || other.Norm == 0)
            return 0;
        var (small, large) = _weights.Count <= other._weights.Count ? (this, other) : (other, this);
        var dot = 0.0;
        foreach (var (term, weight) in small._weights)
            if (large._weights.TryGetValue(term, out var w))
                dot += weight * w;
        return Math.Clamp(dot / (Norm * other.Norm), 0, 1);
    }
}
