using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaseEngine.Domain.Petitions;

/// <summary>The masking formats of access.md (<see cref="PersonalDataView"/>), applied in one place to the petition and to event data alike.</summary>
public static class Masking
{
    public static PetitionerDetails Apply(PetitionerDetails details, PersonalDataView view) => view switch
    {
        PersonalDataView.Clear => details,
        PersonalDataView.Hidden => new PetitionerDetails("***", null, null, null),
        _ => new PetitionerDetails(MaskName(details.Name), details.Phone is null ? null : MaskPhone(details.Phone), null, null),
    };

    /// <summary>
    /// An event's data as JSON (<see cref="EventJson"/>) as one reader sees it: the petitioner masked by
    /// <paramref name="view"/>, and in the petitioner's own view no staff actor. The GraphQL feed, the
    /// subscriptions and the broker's integration events all show event data through this.
    /// </summary>
    public static JsonNode EventData(IPetitionEvent data, PersonalDataView view, bool ownView)
    {
        ArgumentNullException.ThrowIfNull(data);
        var node = JsonSerializer.SerializeToNode(data, data.GetType(), EventJson.Options)!;
        if (node is not JsonObject o)
            return node;
        if (Jurisdiction.ActorAsSeen(data.By, ownView) is null)
            o["by"] = null;
        if (data is PetitionSubmitted submitted && view != PersonalDataView.Clear)
            o["petitioner"] = JsonSerializer.SerializeToNode(Apply(submitted.Petitioner, view), EventJson.Options);
        return node;
    }

    /// <summary>The first character (a whole text element, so a surrogate pair stays whole) followed by one '*'.</summary>
    public static string MaskName(string name)
    {
        var trimmed = name.Trim();
        return trimmed.Length == 0 ? "*" : StringInfo.GetNextTextElement(trimmed, 0) + "*";
    }

    /// <summary>First 3 and last 4 digits kept, every digit between replaced by '*'; fewer than 7 digits: "****".</summary>
    public static string MaskPhone(string phone)
    {
        var digits = phone.Count(char.IsAsciiDigit);
        if (digits < 7)
            return "****";
        var masked = new StringBuilder(phone.Length);
        var index = 0;
        foreach (var c in phone)
        {
            if (!char.IsAsciiDigit(c))
            {
                masked.Append(c);
                continue;
            }
            masked.Append(index < 3 || index >= digits - 4 ? c : '*');
            index++;
        }
        return masked.ToString();
    }
}
