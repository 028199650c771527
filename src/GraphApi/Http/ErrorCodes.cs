using System.Text.RegularExpressions;
using CaseEngine.Domain;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQL.Validation.Errors;
using GraphQL.Validation.Errors.Custom;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// Gives every error the contract's <c>extensions.code</c>: a rule violation its own code;
/// GraphQL.NET's parse, validation and variable errors VALIDATION; the limits QUERY_TOO_COMPLEX;
/// a database that cannot be reached UNAVAILABLE (the outcome is unknown: send the same command again);
/// anything else INTERNAL with a generic message (the exception is logged, never sent).
/// No message repeats an input value (it may be personal data or an access code), and outside
/// Development none suggests a field or type name: introspection is closed there, and "Did you
/// mean" would describe the schema to anyone.
/// </summary>
public sealed partial class ContractErrorInfoProvider(IHostEnvironment? environment = null) : IErrorInfoProvider
{
    private readonly bool _suggest = environment?.IsDevelopment() == true;

    public ErrorInfo GetInfo(ExecutionError executionError)
    {
        ArgumentNullException.ThrowIfNull(executionError);
        var code = CodeOf(executionError);
        var message = executionError switch
        {
            // Their messages go on to quote the value (quoted or not, whole or in part): only the first sentence, which names the argument or variable, is kept.
            ArgumentsOfCorrectTypeError or DefaultValuesOfCorrectTypeError or InvalidLiteralError or InvalidValueError
                or InvalidVariableError or OneOfInputValuesError or InputFieldsAndArgumentsOfCorrectLengthError
                => FirstSentence(executionError.Message) + " (the value is not repeated)",
            ValidationError or DocumentError or RequestError => WithoutValues(executionError.Message),
            _ => executionError.Message,
        };
        if (!_suggest)
            message = Suggestion().Replace(message, "");
        return new ErrorInfo
        {
            Message = message,
            Extensions = new Dictionary<string, object?> { ["code"] = code },
        };
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? "an argument or variable has an invalid value." : WithoutValues(message[..(end + 1)]);
    }

    [GeneratedRegex(@"\s*Did you mean [^?]*\?")]
    private static partial Regex Suggestion();

    public static string CodeOf(ExecutionError error)
    {
        if (Find<RuleViolation>(error) is { } violation)
            return error is ValidationError && violation.Code != RuleCode.Validation ? "VALIDATION" : violation.WireCode;
        return error switch
        {
            RateLimitedError => "RATE_LIMITED",
            OperationTooComplexError or ComplexityError => "QUERY_TOO_COMPLEX",
            NoIntrospectionError => "FORBIDDEN",
            UnhandledError unhandled when Workflow.Hosting.DatabaseUnavailable.Is(unhandled.InnerException) => Workflow.Hosting.DatabaseUnavailable.Code,
            UnhandledError => "INTERNAL",
            ValidationError or DocumentError or RequestError => "VALIDATION",
            _ when error.Code is { } c && IsContractCode(c) => c,
            _ => "INTERNAL",
        };
    }

    /// <summary>
    /// GraphQL.NET quotes the offending input value in double quotes ("found \"...\""); input may be
    /// personal data, so the value is cut out. Names of fields and types stay (single quotes).
    /// </summary>
    public static string WithoutValues(string message) => QuotedValue().Replace(message, "\"…\"");

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex QuotedValue();

    private static bool IsContractCode(string code) =>
        Enum.GetValues<RuleCode>().Any(c => RuleViolation.ToWire(c) == code);

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is T found)
                return found;
        return null;
    }
}
