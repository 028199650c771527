using System.Diagnostics;
using System.Globalization;
using System.Text;
using JiebaNet.Segmenter;

namespace CaseEngine.Projections.ChineseText;

/// <summary>
/// Chinese word segmentation (jieba.NET, with HMM for unknown words such as names) and the corpus
/// IDF table that ships with it (read on first use). Loading takes 1–3 s and ~100 MB, so there is
/// one instance per process (<see cref="Shared"/>); jieba
/// itself keeps its dictionary in process-wide statics. After loading, every member is read-only
/// and safe to call from many threads.
/// <para>
/// The dictionaries are copied from the package's <c>Resources/</c> folder to <c>jieba/</c> beside
/// the assembly (see CaseEngine.Projections.csproj). jieba silently segments with an empty
/// dictionary when its file is missing, so <see cref="EnsureDictionariesPresent"/> checks the files
/// first and fails with one clear line instead.
/// </para>
/// </summary>
public sealed class ChineseTextAnalyzer
{
    /// <summary>The folder beside the application's assemblies that holds jieba's dictionaries.</summary>
    public const string DictionaryFolderName = "jieba";

    /// <summary>The files read: the segmenter's dictionary and HMM model, the IDF table and the stop words.</summary>
    public static readonly IReadOnlyList<string> RequiredFiles =
        ["dict.txt", "prob_emit.json", "prob_trans.json", "idf.txt", "stopwords.txt"];

    private static readonly Lazy<ChineseTextAnalyzer> s_shared =
        new(() => Load(DefaultFolder), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly JiebaSegmenter _segmenter;
    private readonly Lazy<(Dictionary<string, double> Table, double Median)> _idf;
    private readonly HashSet<string> _stopWords;

    private ChineseTextAnalyzer(JiebaSegmenter segmenter, string folder, HashSet<string> stopWords, TimeSpan loadTime)
    {
        _segmenter = segmenter;
        // Only detection weighs words: a process that only segments (situation analysis) never reads the table.
        _idf = new(() => LoadIdf(folder), LazyThreadSafetyMode.ExecutionAndPublication);
        _stopWords = stopWords;
        LoadTime = loadTime;
    }

    /// <summary>The process's analyzer, loaded on first use (or by the host's warm-up at start).</summary>
    public static ChineseTextAnalyzer Shared => s_shared.Value;

    public static bool IsLoaded => s_shared.IsValueCreated;

    /// <summary><c>jieba/</c> beside the application's assemblies.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, DictionaryFolderName);

    /// <summary>IDF of a term jieba's table does not know (names, places, rare words): the table's median, as jieba does.</summary>
    public double MedianIdf => _idf.Value.Median;

    /// <summary>How long loading took (for the start-up log).</summary>
    public TimeSpan LoadTime { get; }

    /// <summary>Throws <see cref="FileNotFoundException"/> naming the first missing dictionary file.</summary>
    public static void EnsureDictionariesPresent(string? folder = null)
    {
        folder ??= DefaultFolder;
        foreach (var file in RequiredFiles)
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"jieba dictionary file missing: {path} (CaseEngine.Projections copies the jieba.NET package's Resources to '{DictionaryFolderName}/' in the output; rebuild)", path);
        }
    }

    private static ChineseTextAnalyzer Load(string folder)
    {
        EnsureDictionariesPresent(folder);
        var watch = Stopwatch.StartNew();
        // jieba reads the folder from a process-wide static when its types initialise: set it before touching them.
        ConfigManager.ConfigFileBaseDir = folder;
        var segmenter = new JiebaSegmenter();
        foreach (var word in PetitionVocabulary.Words)
            segmenter.AddWord(word);
        // Touch the dictionary and the HMM now, not on the first petition.
        _ = segmenter.Cut("村民反映征地补偿款被拖欠").ToList();

        var stopWords = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(folder, "stopwords.txt"), Encoding.UTF8))
        {
            var word = line.Trim().Trim('\uFEFF');
            if (word.Length > 0)
                stopWords.Add(word.ToLowerInvariant());
        }
        stopWords.UnionWith(PetitionVocabulary.StopWords);
        return new ChineseTextAnalyzer(segmenter, folder, stopWords, watch.Elapsed);
    }

    private static (Dictionary<string, double>, double) LoadIdf(string folder)
    {
        var idf = new Dictionary<string, double>(300_000, StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(folder, "idf.txt"), Encoding.UTF8))
        {
            var space = line.LastIndexOf(' ');
            if (space <= 0)
                continue;
            if (double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                idf[line[..space].Trim('\uFEFF')] = value;
        }
        var sorted = idf.Values.Order().ToArray();
        return (idf, sorted.Length == 0 ? 10.0 : sorted[sorted.Length / 2]);
    }

    /// <summary>
    /// The content words of a text, in order, with repetitions: NFKC-normalised (full-width letters
    /// and digits become ASCII), lower-cased, segmented in jieba's search mode (a long word also
    /// yields the dictionary words inside it, so 拖欠工资 and 工资被拖欠 share 拖欠 and 工资);
    /// punctuation, single characters and stop words (jieba's list and
    /// <see cref="PetitionVocabulary.StopWords"/>) removed. Only the first <paramref name="maxChars"/>
    /// characters are read.
    /// </summary>
    public IReadOnlyList<string> Terms(string? text, int maxChars = 4_000)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [];
        if (text.Length > maxChars)
            text = text[..maxChars];
        var normalized = text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();
        var terms = new List<string>();
        foreach (var token in _segmenter.CutForSearch(normalized))
        {
            var word = token.Trim();
            if (word.Length < 2 || !word.Any(char.IsLetterOrDigit) || _stopWords.Contains(word))
                continue;
            terms.Add(word);
        }
        return terms;
    }

    /// <summary>True for a term that can name a topic: it holds a CJK character or a letter, not only digits.</summary>
    public static bool IsTopicWord(string term) => term.Any(c => char.IsLetter(c));

    /// <summary>jieba's corpus IDF of a term; <see cref="MedianIdf"/> for terms it does not list.</summary>
    public double Idf(string term)
    {
        var (table, median) = _idf.Value;
        return table.TryGetValue(term, out var value) ? value : median;
    }

    public bool IsStopWord(string word) => _stopWords.Contains(word);
}
