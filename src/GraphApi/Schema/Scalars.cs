using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaseEngine.Domain;
using CaseEngine.Workflow.Rules;
using GraphQL.Types;
using GraphQLParser.AST;

namespace CaseEngine.GraphApi.Schema;

/// <summary>
/// RFC 3339 with an offset. Output in the deployment's zone (+08:00) with milliseconds, and
/// microseconds when the stored value has them, so petitionAsOf(at: e.occurredAt) includes e.
/// An input without an offset is VALIDATION.
/// </summary>
public sealed partial class DateTimeScalar : ScalarGraphType
{
    private readonly RuleBook _rules;

    public DateTimeScalar(RuleBook rules)
    {
        _rules = rules;
        Name = "DateTime";
        Description = "RFC 3339 date-time with an offset, e.g. 2025-03-03T09:00:00.000+08:00";
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();

    public static DateTimeOffset Parse(string text)
    {
        if (!Rfc3339().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            throw RuleViolation.Validation("a DateTime must be RFC 3339 with an offset, e.g. 2025-03-03T09:00:00+08:00");
        return value;
    }

    public string Format(DateTimeOffset value)
    {
        var local = _rules.Clock.InZone(value);
        var format = local.Ticks % TimeSpan.TicksPerMillisecond == 0
            ? "yyyy-MM-dd'T'HH:mm:ss.fffzzz"
            : "yyyy-MM-dd'T'HH:mm:ss.ffffffzzz";
        return local.ToString(format, CultureInfo.InvariantCulture);
    }

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => Parse((string)s.Value),
        _ => ThrowLiteralConversionError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        string s => Parse(s),
        DateTimeOffset d => d,
        _ => ThrowValueConversionError(value),
    };

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        DateTimeOffset d => Format(d),
        DateTime d => Format(new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : d)),
        string s => Format(Parse(s)),
        _ => ThrowSerializationError(value),
    };
}

/// <summary>YYYY-MM-DD in the deployment's zone.</summary>
public sealed class DateScalar : ScalarGraphType
{
    public DateScalar()
    {
        Name = "Date";
        Description = "A calendar date, YYYY-MM-DD, in the deployment's zone";
    }

    public static DateOnly Parse(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw RuleViolation.Validation("a Date must be YYYY-MM-DD");

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => Parse((string)s.Value),
        _ => ThrowLiteralConversionError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        string s => Parse(s),
        DateOnly d => d,
        _ => ThrowValueConversionError(value),
    };

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => ThrowSerializationError(value),
    };
}

/// <summary>A 64-bit integer: a JSON number on output, a number or a decimal string on input.</summary>
public sealed class LongScalar : ScalarGraphType
{
    public LongScalar()
    {
        Name = "Long";
        Description = "A 64-bit integer: a number on output; a number or a decimal string on input";
    }

    private static long FromString(string s) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw RuleViolation.Validation("a Long must be an integer or a decimal string");

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLIntValue i => FromString((string)i.Value),
        GraphQLStringValue s => FromString((string)s.Value),
        _ => ThrowLiteralConversionError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        int i => (long)i,
        long l => l,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        double d when d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue => (long)d,
        decimal m when m == decimal.Floor(m) => (long)m,
        string s => FromString(s),
        _ => ThrowValueConversionError(value),
    };

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        long l => l,
        int i => (long)i,
        _ => ThrowSerializationError(value),
    };
}

/// <summary>An inline JSON value (object, array, string, number, boolean or null).</summary>
public sealed class JsonScalar : ScalarGraphType
{
    public JsonScalar()
    {
        Name = "JSON";
        Description = "An inline JSON value";
    }

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue s => (string)s.Value,
        GraphQLBooleanValue b => b.BoolValue,
        GraphQLIntValue i => long.Parse((string)i.Value, CultureInfo.InvariantCulture),
        GraphQLFloatValue f => double.Parse((string)f.Value, CultureInfo.InvariantCulture),
        GraphQLEnumValue e => (string)e.Name.Value,
        GraphQLListValue l => l.Values?.Select(ParseLiteral).ToList() ?? [],
        GraphQLObjectValue o => o.Fields?.ToDictionary(f => (string)f.Name.Value, f => ParseLiteral(f.Value)) ?? [],
        _ => ThrowLiteralConversionError(value),
    };

    public override object? ParseValue(object? value) => value;

    public override bool CanParseLiteral(GraphQLValue value) => value is not GraphQLVariable;

    public override bool CanParseValue(object? value) => true;

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        JsonNode node => node,
        _ => value,
    };
}
