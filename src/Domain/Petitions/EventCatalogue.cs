using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;

namespace CaseEngine.Domain.Petitions;

/// <summary>
/// The JSON Schema (draft 2020-12) of every event as integrators receive it (schema/events/), generated
/// from the event records and <see cref="EventJson.Options"/> so that it cannot drift from what is stored.
/// </summary>
public static class EventCatalogue
{
    public const string BaseUri = "https://caseengine/schema/events/";

    /// <summary>One sentence per event type; the records' XML docs are not available at run time.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        [nameof(PetitionSubmitted)] = "登记: the petition arrived at the entry region's petition office; the routing clock starts at receipt. Personal data only under petitioner.",
        [nameof(PetitionReclassified)] = "The petition office corrected the category; from then on the new category's rules apply.",
        [nameof(PetitionForwarded)] = "转送 / 交办: the petition office forwarded the petition to a handling agency (its acceptance decision, counted against the routing clock); the acceptance clock and the return window start.",
        [nameof(PetitionTransferredLevel)] = "The petition office moved the petition to the petition office of another level, with a new routing clock.",
        [nameof(PetitionReturned)] = "退回: the handling agency objected that the matter is not within its authority; the petition is back at the forwarding office with a new routing clock.",
        [nameof(PetitionDeclined)] = "不予受理: the petition office or the handling agency did not accept the petition, naming the legal route where one applies; final.",
        [nameof(PetitionAccepted)] = "受理: the handling agency took the petition on; the 60-day handling clock starts.",
        [nameof(OfficerAssigned)] = "承办人: an officer of the current department took the case.",
        [nameof(DeadlineExtended)] = "延期: the handling period was extended once, with a reason told to the petitioner.",
        [nameof(HearingStarted)] = "听证 opened: the stage's clock stopped.",
        [nameof(HearingConcluded)] = "听证 concluded: the clock restarted, its last day moved by the hearing's length rounded up to whole days.",
        [nameof(ReplyIssued)] = "信访处理意见书: the written reply ended the handling clock and opened the review and evaluation windows.",
        [nameof(ResultReported)] = "交办: the handling agency reported the result back to the assigning petition office.",
        [nameof(SupervisionIssued)] = "督办: a petition office supervised the department responsible, by hand or automatically after a missed time limit; the department must answer in writing.",
        [nameof(SupervisionAnswered)] = "The supervised department answered the supervision notice in writing.",
        [nameof(PetitionEvaluated)] = "满意 / 基本满意 / 不满意: the petitioner evaluated the result, counted to the replying department.",
        [nameof(ReviewRequested)] = "复查 requested: the petitioner challenged the reply; the replying department's superior decides and becomes current.",
        [nameof(ReviewDecided)] = "复查 decided: the superior upheld, amended or revoked the reply; the re-review window opens.",
        [nameof(ReReviewRequested)] = "复核 requested: the petitioner challenged the review; the reviewer's superior decides and becomes current.",
        [nameof(ReReviewDecided)] = "复核 decided: the re-reviewer upheld, amended or revoked the review decision.",
        [nameof(PetitionWithdrawn)] = "The petitioner withdrew the petition; every clock stops; final.",
        [nameof(DuplicateSuspected)] = "The system suspects the petition repeats another one; the petition office decides whether to link it.",
        [nameof(SuspectedDuplicateDismissed)] = "The petition office judged a suspected duplicate wrong: the flag is withdrawn and the same candidate is not flagged on the petition again.",
        [nameof(DuplicateLinked)] = "重复件: the petition office linked the petition as a duplicate of an original; it is counted once and leaves its entry bucket; final.",
        [nameof(DeadlineMissed)] = "An official time limit passed with its stage instance still open; counted as overdue to the late department.",
        [nameof(DeadlineRecalculated)] = "A provisional deadline was recounted on a newer business calendar; history is not rewritten.",
        [nameof(PetitionClosed)] = "办结: the review or re-review window ended unused; the last decision stands; final.",
        [nameof(PetitionHandedOver)] = "转送 / 交办 / 移交 across databases: the forward or transfer just before it sent the petition to a department whose province has a database of its own; the linked copy there decides from now on and this petition mirrors it.",
        [nameof(HandedOverPetitionReceived)] = "A petition handed over from another database arrived as its linked copy, with its own case number and the origin's; handled like a forward, its clocks starting on arrival; not counted as received again. Personal data only under petitioner.",
        [nameof(LinkedProgressReported)] = "The linked copy's progress (its events fromVersion to toVersion, named in acts) reported back onto the handed-over petition, which mirrors its status, stage and decisions; not counted again.",
        [nameof(HandedOverPetitionReturned)] = "退回 across databases: the agency holding a handed-over copy objected within its 5 working days that the matter is not within its authority; the copy's part ends (closed) and the origin takes the petition back; not counted.",
        [nameof(HandOverReturned)] = "The handed-over petition's copy was returned by its agency: the petition is back at the office that handed it over, with a new routing clock, and is decided here again.",
        [nameof(PetitionTerminated)] = "终结: the re-review was decided; the same matter on the same facts is not accepted again; final.",
    };

    private static readonly JsonSchemaExporterOptions ExporterOptions = new()
    {
        // Non-nullable reference types are never null on the wire.
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = Transform,
    };

    private static readonly JsonSerializerOptions FileOptions = new()
    {
        WriteIndented = true,
        NewLine = "\n",
        // The descriptions hold Chinese terms: keep them readable in the files.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The schema of one event type: "$schema", "$id", "title", "description", then the exported shape.</summary>
    public static JsonObject SchemaFor(Type eventType)
    {
        ArgumentNullException.ThrowIfNull(eventType);
        if (!EventJson.EventTypes.Contains(eventType))
            throw new ArgumentException($"{eventType.Name} is not a petition event", nameof(eventType));
        if (!Descriptions.TryGetValue(eventType.Name, out var description))
            throw new InvalidOperationException($"{eventType.Name} has no description in the event catalogue");

        var exported = JsonSchemaExporter.GetJsonSchemaAsNode(EventJson.Options, eventType, ExporterOptions).AsObject();
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"{BaseUri}{eventType.Name}.json",
            ["title"] = eventType.Name,
            ["description"] = description,
        };
        foreach (var (key, value) in exported.ToList())
        {
            exported.Remove(key);
            schema[key] = value;
        }
        Inline(schema, schema);
        return schema;
    }

    /// <summary>
    /// The exporter points repeated sub-schemas at their first occurrence ("$ref": "#/properties/…"); each
    /// event's schema is read on its own, so every nested shape is written out in place instead.
    /// </summary>
    private static void Inline(JsonObject root, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o.ToList())
                {
                    if (child is JsonObject { Count: 1 } r && r["$ref"]?.GetValue<string>() is { } pointer && pointer.StartsWith("#/", StringComparison.Ordinal))
                        o[key] = Resolve(root, pointer).DeepClone();
                    Inline(root, o[key]);
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                    Inline(root, child);
                break;
        }
    }

    private static JsonNode Resolve(JsonObject root, string pointer)
    {
        JsonNode? node = root;
        foreach (var segment in pointer[2..].Split('/'))
            node = node?[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
        return node ?? throw new InvalidOperationException($"unresolvable schema reference {pointer}");
    }

    /// <summary>File name (e.g. PetitionSubmitted.json) → canonical file text: indented, "\n" line endings, a final newline.</summary>
    public static IReadOnlyDictionary<string, string> Render() =>
        EventJson.EventTypes.ToDictionary(
            t => $"{t.Name}.json",
            t => SchemaFor(t).ToJsonString(FileOptions) + "\n",
            StringComparer.Ordinal);

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (schema is not JsonObject node)
            return schema;
        var type = context.TypeInfo.Type;
        var nullable = Nullable.GetUnderlyingType(type);
        // Enums travel as UPPER_SNAKE strings.
        if ((nullable ?? type).IsEnum && node["type"] is null)
            node.Insert(0, "type", nullable is null ? "string" : new JsonArray("string", "null"));
        // Web defaults accept numbers in strings when reading; integrators receive plain JSON numbers.
        if (Type.GetTypeCode(type) is TypeCode.Int32 or TypeCode.Int64 or TypeCode.Double && !type.IsEnum)
        {
            node["type"] = Type.GetTypeCode(type) == TypeCode.Double ? "number" : "integer";
            node.Remove("pattern");
        }
        // DefaultIgnoreCondition.Never: every property is written, null or not, so every property is required.
        if (context.TypeInfo.Kind == JsonTypeInfoKind.Object && node["properties"] is JsonObject properties)
            node["required"] = new JsonArray([.. properties.Select(p => (JsonNode?)p.Key)]);
        if (context.PropertyInfo?.Name == "petitioner")
            node.Insert(0, "description", "Personal data (name, phone, ID number, address): the only place it appears; masked for callers who may not see it.");
        return node;
    }
}
