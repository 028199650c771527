using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaseEngine.Domain.Clocks;
using CaseEngine.Domain.Petitions;
using CaseEngine.Domain.Tests.Petitions;
using CaseEngine.Domain.Tests.Properties;
using CsCheck;

namespace CaseEngine.Domain.Tests.Catalogue;

/// <summary>schema/events/ is what integrators read: one JSON Schema per event, generated, checked in, never stale.</summary>
public partial class the_event_catalogue
{
    private const string UpdateVariable = "CASEENGINE_UPDATE_SCHEMA";
    private static readonly string[] PersonalData = ["name", "phone", "idNumber", "address"];

    private static readonly IReadOnlyDictionary<string, string> Rendered = EventCatalogue.Render();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CaseEngine.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no CaseEngine.sln above {AppContext.BaseDirectory}");
    }

    private static JsonObject SchemaOf(Type t) => JsonNode.Parse(Rendered[$"{t.Name}.json"])!.AsObject();

    // JsonNode trees materialize lazily and are not safe to share between the sampling threads.
    private static readonly ThreadLocal<Dictionary<Type, JsonObject>> Schemas =
        new(() => EventJson.EventTypes.ToDictionary(t => t, SchemaOf));

    [Fact]
    public void the_checked_in_files_are_exactly_the_generated_ones()
    {
        var folder = Path.Combine(RepoRoot(), "schema", "events");
        var update = Environment.GetEnvironmentVariable(UpdateVariable) == "1";
        if (update)
        {
            System.IO.Directory.CreateDirectory(folder);
            foreach (var stale in System.IO.Directory.GetFiles(folder, "*.json").Where(f => !Rendered.ContainsKey(Path.GetFileName(f))))
                File.Delete(stale);
            foreach (var (name, text) in Rendered)
            {
                var path = Path.Combine(folder, name);
                if (!File.Exists(path) || File.ReadAllText(path) != text)
                    File.WriteAllText(path, text);
            }
        }

        var onDisk = System.IO.Directory.Exists(folder)
            ? System.IO.Directory.GetFiles(folder, "*.json").ToDictionary(f => Path.GetFileName(f), f => File.ReadAllText(f), StringComparer.Ordinal)
            : [];
        var missing = Rendered.Keys.Except(onDisk.Keys).Order(StringComparer.Ordinal).ToList();
        var extra = onDisk.Keys.Except(Rendered.Keys).Order(StringComparer.Ordinal).ToList();
        var changed = Rendered.Keys.Intersect(onDisk.Keys).Where(k => onDisk[k] != Rendered[k]).Order(StringComparer.Ordinal).ToList();
        var drift = string.Join("; ", new[] { ("missing", missing), ("not an event", extra), ("out of date", changed) }
            .Where(x => x.Item2.Count > 0).Select(x => $"{x.Item1}: {string.Join(", ", x.Item2)}"));
        drift.ShouldBeEmpty(
            $"schema/events/ has drifted from the event records ({drift}). Regenerate it: " +
            $"{UpdateVariable}=1 dotnet test tests/Domain.Tests --filter FullyQualifiedName~the_event_catalogue, then commit the files.");
    }

    [Fact]
    public void every_event_type_has_one_schema_with_its_title_id_and_description()
    {
        Rendered.Keys.ShouldBe(EventJson.EventTypes.Select(t => $"{t.Name}.json"), ignoreOrder: true);
        EventCatalogue.Descriptions.Keys.ShouldBe(EventJson.EventTypes.Select(t => t.Name), ignoreOrder: true);
        foreach (var t in EventJson.EventTypes)
        {
            var schema = SchemaOf(t);
            schema["$schema"]!.GetValue<string>().ShouldBe("https://json-schema.org/draft/2020-12/schema");
            schema["$id"]!.GetValue<string>().ShouldBe($"https://caseengine/schema/events/{t.Name}.json");
            schema["title"]!.GetValue<string>().ShouldBe(t.Name);
            schema["description"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
            schema["type"]!.GetValue<string>().ShouldBe("object");
            // Every event says which petition, where it is, who acted and when.
            schema["required"]!.AsArray().Select(n => n!.GetValue<string>())
                .ShouldBeSubsetOf(Names(schema["properties"]!.AsObject()));
            new[] { "petitionId", "departmentId", "regionPath", "by", "at" }.ShouldBeSubsetOf(Names(schema["properties"]!.AsObject()));
            Rendered[$"{t.Name}.json"].ShouldNotContain("\r");
            Rendered[$"{t.Name}.json"].ShouldNotContain("$ref");
        }
    }

    [Fact]
    public void personal_data_appears_only_under_petitioner()
    {
        foreach (var t in EventJson.EventTypes)
        {
            var offending = new List<string>();
            FindPersonalData(SchemaOf(t), "$", underPetitioner: false, offending);
            offending.ShouldBeEmpty($"{t.Name} carries personal data outside petitioner");
        }
        var petitioner = SchemaOf(typeof(PetitionSubmitted))["properties"]!["petitioner"]!["properties"]!.AsObject();
        Names(petitioner).ShouldBe(PersonalData);
    }

    private static void FindPersonalData(JsonNode? node, string path, bool underPetitioner, List<string> offending)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    if (key == "properties" && child is JsonObject properties)
                    {
                        foreach (var (name, schema) in properties)
                        {
                            if (!underPetitioner && PersonalData.Contains(name))
                                offending.Add($"{path}.{name}");
                            FindPersonalData(schema, $"{path}.{name}", underPetitioner || name == "petitioner", offending);
                        }
                    }
                    else
                    {
                        FindPersonalData(child, path, underPetitioner, offending);
                    }
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                    FindPersonalData(child, path, underPetitioner, offending);
                break;
        }
    }

    // ------------------------------------------------------------ enums

    private static readonly string[] ContractEnums =
        ["Channel", "PetitionCategory", "Stage", "ForwardMode", "LegalRoute", "ReplyDecision", "ReviewOutcome", "Satisfaction", "Role", "PetitionStatus"];

    /// <summary>Enums events carry that the GraphQL contract does not show (they still travel as UPPER_SNAKE).</summary>
    private static readonly Type[] EventOnlyEnums = [typeof(ClosureReason), typeof(PeriodUnit)];

    [GeneratedRegex(@"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex(@"\benum\s+(\w+)\s*\{([^}]*)\}")]
    private static partial Regex GraphQlEnum();

    [GeneratedRegex("\"\"\"[\\s\\S]*?\"\"\"|\"(?:[^\"\\\\\\n]|\\\\.)*\"|#[^\\n]*")]
    private static partial Regex GraphQlDescriptionOrComment();

    /// <summary>The enums of ../shared/contract/schema.graphql: name → values in order.</summary>
    private static Dictionary<string, string[]> ContractEnumValues()
    {
        var path = Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "contract", "schema.graphql"));
        File.Exists(path).ShouldBeTrue($"the GraphQL contract is expected at {path}");
        var sdl = GraphQlDescriptionOrComment().Replace(File.ReadAllText(path), " ");
        return GraphQlEnum().Matches(sdl).ToDictionary(
            m => m.Groups[1].Value,
            m => m.Groups[2].Value.Split((char[])[' ', '\t', '\r', '\n', ','], StringSplitOptions.RemoveEmptyEntries));
    }

    private static string[] WireValues(Type enumType) =>
        [.. Enum.GetValues(enumType).Cast<object>().Select(v => JsonSerializer.Serialize(v, enumType, EventJson.Options).Trim('"'))];

    [Fact]
    public void every_enum_uses_the_contracts_upper_snake_values()
    {
        var contract = ContractEnumValues();
        contract["Channel"].ShouldBe(["LETTER", "VISIT", "WEBSITE", "WECHAT", "MOBILE_APP", "HOTLINE", "LEADER_MAILBOX"]);
        var domain = typeof(Channel).Assembly;
        foreach (var name in ContractEnums)
        {
            var type = domain.GetTypes().Single(t => t.IsEnum && t.Name == name);
            WireValues(type).ShouldBe(contract[name], $"enum {name}");
        }

        var known = ContractEnums.Select(n => contract[n])
            .Concat(EventOnlyEnums.Select(WireValues))
            .Select(values => string.Join(",", values.Order(StringComparer.Ordinal)))
            .ToHashSet();
        var used = new HashSet<string>();
        foreach (var t in EventJson.EventTypes)
        {
            foreach (var values in EnumsIn(SchemaOf(t)))
            {
                values.ShouldAllBe(v => UpperSnake().IsMatch(v), $"{t.Name}: enum values are UPPER_SNAKE");
                var key = string.Join(",", values.Order(StringComparer.Ordinal));
                known.ShouldContain(key, $"{t.Name} has an enum the contract does not know: {key}");
                used.Add(key);
            }
        }
        // Each contract enum the events use appears with exactly the contract's values.
        foreach (var name in ContractEnums)
            used.ShouldContain(string.Join(",", contract[name].Order(StringComparer.Ordinal)), $"no event carries {name}");
    }

    private static IEnumerable<string[]> EnumsIn(JsonNode? node) => node switch
    {
        JsonObject o => (o["enum"] is JsonArray values
                ? [[.. values.Where(v => v is not null).Select(v => v!.GetValue<string>())]]
                : Enumerable.Empty<string[]>())
            .Concat(o.SelectMany(p => EnumsIn(p.Value))),
        JsonArray a => a.SelectMany(EnumsIn),
        _ => [],
    };

    // ------------------------------------------------------------ real events against their schema

    [Fact]
    public void every_event_a_petition_produces_fits_its_schema()
    {
        var checkedTypes = new HashSet<Type>();
        Walks.WalkGen.Sample(walk =>
        {
            foreach (var e in Walks.Run(walk).Events)
            {
                var json = JsonSerializer.SerializeToNode(e, e.GetType(), EventJson.Options);
                var errors = new List<string>();
                Validate(Schemas.Value![e.GetType()], json, "$", errors);
                errors.ShouldBeEmpty($"{e.GetType().Name}: {json?.ToJsonString()}");
                lock (checkedTypes) checkedTypes.Add(e.GetType());
            }
        }, iter: when_random_commands_are_sent_to_a_petition.Iterations);
        // The events of a hand-over span two streams in two databases, which a walk of one stream does not
        // reach: they come from the hand-over's own stories, decided by the same rules.
        foreach (var e in when_a_petition_is_handed_over_to_another_database.EveryLinkingEvent())
        {
            var json = JsonSerializer.SerializeToNode(e, e.GetType(), EventJson.Options);
            var errors = new List<string>();
            Validate(Schemas.Value![e.GetType()], json, "$", errors);
            errors.ShouldBeEmpty($"{e.GetType().Name}: {json?.ToJsonString()}");
            checkedTypes.Add(e.GetType());
        }
        checkedTypes.ShouldBe(EventJson.EventTypes, ignoreOrder: true);
    }

    /// <summary>
    /// A light structural check: type, enum, required and known properties, array items, and the string
    /// formats the exporter uses. Enough to catch an event whose JSON and schema disagree.
    /// </summary>
    private static void Validate(JsonObject schema, JsonNode? value, string path, List<string> errors)
    {
        var kind = value?.GetValueKind() ?? JsonValueKind.Null;
        if (schema["type"] is { } type)
        {
            var allowed = type is JsonArray many ? many.Select(t => t!.GetValue<string>()).ToArray() : [type.GetValue<string>()];
            var actual = kind switch
            {
                JsonValueKind.Null => "null",
                JsonValueKind.String => "string",
                JsonValueKind.True or JsonValueKind.False => "boolean",
                JsonValueKind.Object => "object",
                JsonValueKind.Array => "array",
                _ => value!.GetValue<JsonElement>().TryGetInt64(out _) ? "integer" : "number",
            };
            if (!allowed.Contains(actual) && !(actual == "integer" && allowed.Contains("number")))
                errors.Add($"{path}: {actual} where the schema says {string.Join("|", allowed)}");
        }
        if (schema["enum"] is JsonArray options && !options.Any(o => JsonNode.DeepEquals(o, value)))
            errors.Add($"{path}: {value?.ToJsonString() ?? "null"} is not one of the enum's values");
        if (kind == JsonValueKind.String)
        {
            var text = value!.GetValue<string>();
            var ok = schema["format"]?.GetValue<string>() switch
            {
                "date-time" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
                "date" => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
                "uuid" => Guid.TryParse(text, out _),
                _ => true,
            };
            if (!ok || (schema["pattern"] is { } pattern && !Regex.IsMatch(text, pattern.GetValue<string>())))
                errors.Add($"{path}: \"{text}\" does not have the schema's format");
        }
        if (kind == JsonValueKind.Object)
        {
            var obj = value!.AsObject();
            var properties = schema["properties"]?.AsObject() ?? [];
            foreach (var required in schema["required"]?.AsArray() ?? [])
            {
                if (!obj.ContainsKey(required!.GetValue<string>()))
                    errors.Add($"{path}: required property {required} is missing");
            }
            foreach (var (name, child) in obj)
            {
                if (properties[name] is JsonObject propertySchema)
                    Validate(propertySchema, child, $"{path}.{name}", errors);
                else
                    errors.Add($"{path}: property {name} is not in the schema");
            }
        }
        if (kind == JsonValueKind.Array && schema["items"] is JsonObject items)
        {
            var i = 0;
            foreach (var item in value!.AsArray())
                Validate(items, item, $"{path}[{i++}]", errors);
        }
    }

    private static IEnumerable<string> Names(JsonObject o) => o.Select(p => p.Key);
}
