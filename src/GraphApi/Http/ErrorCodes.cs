using CaseEngine.Domain;
using System.Text.RegularExpressions;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQL.Validation.Errors.Custom;

namespace CaseEngine.GraphApi.Http;

/// <summary>
/// Gives every error the contract's <c>extensions.code</c>: a rule violation its own code;
/// GraphQL.NET's parse, validation and variable errors VALIDATION; the limits QUERY_TOO_COMPLEX;
/// anything else INTERNAL with a generic message (the exception is logged, never sent).
/// </summary>
public sealed partial class ContractErrorInfoProvider : IErrorInfoProvider
{
    public ErrorInfo GetInfo(ExecutionError executionError)
    {
        var code = CodeOf(executionError);
        return new ErrorInfo
        {
            Message = executionError is ValidationError ? WithoutValues(executionError.Message) : executionError.Message,
            Extensions = new Dictionary<string, object?> { ["code"] = code },
        };
    }

    public static string CodeOf(ExecutionError error)
    {
        if (Find<RuleViolation>(error) is { } violation)
            return error is ValidationError && violation.Code != RuleCode.Validation ? "VALIDATION" : violation.WireCode;
        return error switch
        {
            OperationTooComplexError or ComplexityError => "QUERY_TOO_COMPLEX",
            NoIntrospectionError => "FORBIDDEN",
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
