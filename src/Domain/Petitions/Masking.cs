using System.Globalization;
using System.Text;

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
