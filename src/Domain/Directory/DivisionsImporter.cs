using System.Text;

namespace CaseEngine.Domain.Directory;

/// <summary>
/// Imports the statistical division codes in the CSV layout of ../shared/data/divisions
/// (provinces.csv: code,name; cities.csv: code,name,provinceCode; areas.csv: code,name,cityCode,provinceCode;
/// streets.csv: code,name,areaCode,provinceCode,cityCode — UTF-8, header row, columns found by header name,
/// names quoted) into a directory with the national root 000000 on top.
/// <list type="bullet">
/// <item>Codes become canonical: province 34 → 340000, city 3401 → 340100, counties and townships as they are.</item>
/// <item>Placeholder city rows (<see cref="IsPlaceholderCityName"/>: 市辖区, 县, 省直辖县级行政区划, 自治区直辖县级行政区划 —
/// nine in the 2022 data) stay CITY regions but get no departments, so their counties report to the province.</item>
/// <item>Pass-through counties: a county row whose code is its city's own padded code (东莞市 441900 under city 4419,
/// also 中山市 442000, 儋州市 460400) would collide with the city. It keeps its name and level but gets the code
/// <c>{city 4 digits}99</c> (441999) and no departments, so its townships report to the city.</item>
/// <item>Everything else gets departments from the template (<see cref="DepartmentTemplate.Standard"/> by default).</item>
/// </list>
/// The result depends only on the files' content, so re-importing yields the same regions, ids and JSON.
/// </summary>
public static class DivisionsImporter
{
    /// <summary>The county code suffix given to a county row that repeats its city's code (see the class remarks).</summary>
    public const string PassThroughCountySuffix = "99";

    private static readonly string[] PlaceholderNames = ["市辖区", "县"];

    /// <summary>True for the city rows that are placeholders, not prefecture-level cities.</summary>
    public static bool IsPlaceholderCityName(string name) =>
        PlaceholderNames.Contains(name, StringComparer.Ordinal) || name.EndsWith("直辖县级行政区划", StringComparison.Ordinal);

    /// <summary>
    /// Imports the four files from <paramref name="folder"/>. <paramref name="provinceCode"/> (2- or 6-digit form) keeps only that
    /// province (the national root stays). Throws <see cref="FileNotFoundException"/> for a missing file,
    /// <see cref="FormatException"/> for a malformed row, <see cref="ArgumentException"/> for an unknown province or inconsistent data.
    /// </summary>
    public static DepartmentDirectory Import(string folder, DepartmentTemplate? template = null, string? provinceCode = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        template ??= DepartmentTemplate.Standard;
        string? province = null;
        if (provinceCode is not null)
        {
            var canonical = DepartmentDirectory.NormalizeRegionCode(provinceCode);
            if (canonical is null || !canonical.EndsWith("0000", StringComparison.Ordinal) || canonical.Length != 6 || canonical == DepartmentDirectory.NationalCode)
                throw new ArgumentException($"'{provinceCode}' is not a province code (2 digits, or 6 ending in 0000).", nameof(provinceCode));
            province = canonical[..2];
        }

        var regions = new List<Region>(45_000) { new(DepartmentDirectory.NationalCode, "中华人民共和国", Level.National, null) };
        var withoutDepartments = new HashSet<string>(StringComparer.Ordinal);

        foreach (var row in CsvTable.Read(Path.Combine(folder, "provinces.csv"), "code", "name"))
        {
            var code = row.Code(0, 2);
            if (province is not null && code != province) continue;
            regions.Add(new(code + "0000", row[1], Level.Province, DepartmentDirectory.NationalCode));
        }
        if (province is not null && regions.Count == 1)
            throw new ArgumentException($"Province {provinceCode} is not in {Path.Combine(folder, "provinces.csv")}.", nameof(provinceCode));

        foreach (var row in CsvTable.Read(Path.Combine(folder, "cities.csv"), "code", "name", "provinceCode"))
        {
            if (province is not null && row.Code(2, 2) != province) continue;
            var code = row.Code(0, 4) + "00";
            regions.Add(new(code, row[1], Level.City, row.Code(2, 2) + "0000"));
            if (IsPlaceholderCityName(row[1])) withoutDepartments.Add(code);
        }

        var countyCodes = new Dictionary<string, string>(StringComparer.Ordinal); // code in the file → canonical code
        foreach (var row in CsvTable.Read(Path.Combine(folder, "areas.csv"), "code", "name", "cityCode", "provinceCode"))
        {
            if (province is not null && row.Code(3, 2) != province) continue;
            var fileCode = row.Code(0, 6);
            var city = row.Code(2, 4);
            var code = fileCode == city + "00" ? city + PassThroughCountySuffix : fileCode;
            if (code != fileCode) withoutDepartments.Add(code);
            countyCodes[fileCode] = code;
            regions.Add(new(code, row[1], Level.County, city + "00"));
        }

        foreach (var row in CsvTable.Read(Path.Combine(folder, "streets.csv"), "code", "name", "areaCode", "provinceCode", "cityCode"))
        {
            if (province is not null && row.Code(3, 2) != province) continue;
            var area = row.Code(2, 6);
            regions.Add(new(row.Code(0, 9), row[1], Level.Township, countyCodes.GetValueOrDefault(area, area)));
        }

        var departments = new List<Department>(regions.Count * 3);
        foreach (var region in regions)
            if (!withoutDepartments.Contains(region.Code))
                departments.AddRange(template.DepartmentsFor(region));
        return DepartmentDirectory.Create(regions, departments);
    }

    /// <summary>A minimal RFC 4180 reader: comma-separated, double-quoted fields with "" escapes, CRLF or LF, a header row.</summary>
    private static class CsvTable
    {
        public static IEnumerable<Row> Read(string path, params string[] columns)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"The divisions file {path} does not exist.", path);
            var text = File.ReadAllText(path, Encoding.UTF8);
            var records = Parse(text, path);
            if (records.Count == 0) throw new FormatException($"{path} is empty; it needs a header row.");
            var header = records[0];
            var positions = new int[columns.Length];
            for (var i = 0; i < columns.Length; i++)
            {
                positions[i] = Array.IndexOf(header, columns[i]);
                if (positions[i] < 0)
                    throw new FormatException($"{path} has no column '{columns[i]}' (header: {string.Join(",", header)}).");
            }
            for (var line = 1; line < records.Count; line++)
            {
                var record = records[line];
                if (record.Length == 1 && record[0].Length == 0) continue; // blank line
                if (record.Length != header.Length)
                    throw new FormatException($"{path}, record {line + 1}: {record.Length} fields, the header has {header.Length}.");
                var values = new string[columns.Length];
                for (var i = 0; i < columns.Length; i++) values[i] = record[positions[i]];
                yield return new Row(values, path, line + 1);
            }
        }

        private static List<string[]> Parse(string text, string path)
        {
            var records = new List<string[]>();
            var fields = new List<string>();
            var field = new StringBuilder();
            var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
            var quoted = false;
            var wasQuoted = false;
            while (i < text.Length)
            {
                var c = text[i];
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        quoted = false; i++; continue;
                    }
                    field.Append(c); i++; continue;
                }
                switch (c)
                {
                    case '"' when field.Length == 0 && !wasQuoted:
                        quoted = wasQuoted = true; i++; break;
                    case '"':
                        throw new FormatException($"{path}, record {records.Count + 1}: a quote inside an unquoted field.");
                    case ',':
                        fields.Add(field.ToString()); field.Clear(); wasQuoted = false; i++; break;
                    case '\r' or '\n':
                        fields.Add(field.ToString()); field.Clear(); wasQuoted = false;
                        records.Add([.. fields]); fields.Clear();
                        i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                        break;
                    default:
                        if (wasQuoted) throw new FormatException($"{path}, record {records.Count + 1}: text after a closing quote.");
                        field.Append(c); i++; break;
                }
            }
            if (quoted) throw new FormatException($"{path}: a quoted field is not closed.");
            if (field.Length > 0 || fields.Count > 0 || wasQuoted)
            {
                fields.Add(field.ToString());
                records.Add([.. fields]);
            }
            return records;
        }
    }

    private readonly record struct Row(string[] Values, string Path, int Record)
    {
        public string this[int index] => Values[index].Length > 0
            ? Values[index]
            : throw new FormatException($"{Path}, record {Record}: field {index + 1} is empty.");

        /// <summary>The field as a code of exactly <paramref name="digits"/> ASCII digits.</summary>
        public string Code(int index, int digits)
        {
            var value = Values[index];
            if (value.Length != digits || !value.All(char.IsAsciiDigit))
                throw new FormatException($"{Path}, record {Record}: '{value}' is not a {digits}-digit code.");
            return value;
        }
    }
}
