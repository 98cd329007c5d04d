namespace LapsCsp.Enrollment.Soap;

/// <summary>A message body with the WS-Addressing headers it came with.</summary>
public sealed record SoapMessage<T>(SoapHeaders Headers, T Body)
    where T : class;
