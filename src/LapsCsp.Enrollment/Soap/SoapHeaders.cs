namespace LapsCsp.Enrollment.Soap;

/// <summary>The WS-Addressing headers of an enrollment message (digest 1.2): requests carry Action, MessageID, ReplyTo
/// and To; responses carry Action, RelatesTo and optionally ActivityId.</summary>
public sealed record SoapHeaders(
    string? Action,
    string? MessageId = null,
    string? To = null,
    string? RelatesTo = null,
    string? ReplyTo = null,
    string? ActivityId = null);
