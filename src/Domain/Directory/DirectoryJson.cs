using System.Text.Json;
using System.Text.Json.Serialization;

namespace CaseEngine.Domain.Directory;

/// <summary>
/// The directory's JSON file format (docs/directory-format.md):
/// <c>{ "regions": [ {code,name,level,parentCode} ], "departments": [ {id,name,kind,level,regionCode,line} ] }</c>,
/// camelCase, enums exactly as the GraphQL contract spells them ("PROVINCE", "PETITION_OFFICE"; other spellings are rejected), nulls written out.
/// </summary>
public static class DirectoryJson
{
    private static readonly JsonSerializerOptions Compact = CreateOptions(indented: false);
    private static readonly JsonSerializerOptions Indented = CreateOptions(indented: true);

    private static JsonSerializerOptions CreateOptions(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            WriteIndented = indented,
            AllowTrailingCommas = false,
            ReadCommentHandling = JsonCommentHandling.Skip,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new ContractEnumConverter<Level>());
        options.Converters.Add(new ContractEnumConverter<DepartmentKind>());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Writes the directory as UTF-8 JSON; regions and departments in the directory's order. The stream stays open.</summary>
    public static void Write(DepartmentDirectory directory, Stream stream, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(stream);
        var file = new DirectoryFile(
            [.. directory.Regions.Select(r => new RegionEntry(r.Code, r.Name, r.Level, r.ParentCode))],
            [.. directory.Departments.Select(d => new DepartmentEntry(d.Id, d.Name, d.Kind, d.Level, d.RegionCode, d.Line))]);
        JsonSerializer.Serialize(stream, file, indented ? Indented : Compact);
        stream.Flush();
    }

    /// <summary>
    /// Reads a directory written by <see cref="Write"/> (or by hand). Throws <see cref="JsonException"/> for malformed JSON or
    /// unknown enum names, <see cref="ArgumentException"/> when the content is not a valid directory (see <see cref="DepartmentDirectory.Create"/>).
    /// Missing <c>parentCode</c> / <c>line</c> mean null.
    /// </summary>
    public static DepartmentDirectory Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var file = JsonSerializer.Deserialize<DirectoryFile>(stream, Compact)
            ?? throw new JsonException("The directory file is the JSON value null.");
        if (file.Regions is null) throw new JsonException("The directory file has no \"regions\" array.");
        if (file.Departments is null) throw new JsonException("The directory file has no \"departments\" array.");
        return DepartmentDirectory.Create(
            file.Regions.Select(r => r is null
                ? throw new JsonException("A region entry is null.")
                : new Region(Required(r.Code, "region code"), Required(r.Name, $"name of region {r.Code}"),
                    r.Level ?? throw new JsonException($"Region {r.Code} has no level."), r.ParentCode)),
            file.Departments.Select(d => d is null
                ? throw new JsonException("A department entry is null.")
                : new Department(Required(d.Id, "department id"), Required(d.Name, $"name of department {d.Id}"),
                    d.Kind ?? throw new JsonException($"Department {d.Id} has no kind."),
                    d.Level ?? throw new JsonException($"Department {d.Id} has no level."),
                    Required(d.RegionCode, $"regionCode of department {d.Id}"), d.Line)));
    }

    private static string Required(string? value, string what) =>
        value ?? throw new JsonException($"The {what} is missing.");

    /// <summary>Enums exactly as the GraphQL contract spells them (UPPER_SNAKE: "PETITION_OFFICE"); nothing else is read.</summary>
    private sealed class ContractEnumConverter<T> : JsonConverter<T>
        where T : struct, Enum
    {
        private readonly Dictionary<string, T> _byName = Enum.GetValues<T>()
            .ToDictionary(v => JsonNamingPolicy.SnakeCaseUpper.ConvertName(v.ToString()), StringComparer.Ordinal);
        private readonly Dictionary<T, string> _byValue;

        public ContractEnumConverter() => _byValue = _byName.ToDictionary(p => p.Value, p => p.Key);

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException($"Expected a {typeof(T).Name} name ({string.Join(", ", _byName.Keys)}), found {reader.TokenType}.");
            var name = reader.GetString()!;
            return _byName.TryGetValue(name, out var value)
                ? value
                : throw new JsonException($"'{name}' is not a {typeof(T).Name}; expected one of {string.Join(", ", _byName.Keys)}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(_byValue.TryGetValue(value, out var name) ? name : throw new JsonException($"{value} is not a defined {typeof(T).Name}."));
    }

    private sealed record DirectoryFile(RegionEntry?[]? Regions, DepartmentEntry?[]? Departments);

    private sealed record RegionEntry(string? Code, string? Name, Level? Level, string? ParentCode);

    private sealed record DepartmentEntry(string? Id, string? Name, DepartmentKind? Kind, Level? Level, string? RegionCode, string? Line);
}
