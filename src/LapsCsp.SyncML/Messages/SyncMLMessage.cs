using System.Collections.Immutable;

namespace LapsCsp.SyncML.Messages;

/// <summary>A SyncML DM 1.2 message: header, body commands in document order, and the Final flag.</summary>
/// <remarks>OMA-DM RepPro 1.2 §4.1; MS-MDM 2.2.4.1. <see cref="Final"/> MUST be set on the last message of a package.</remarks>
public sealed record SyncMLMessage(SyncHeader Header, ImmutableArray<SyncCommand> Commands, bool Final = true)
{
    /// <summary>The namespace literal MS-MDM 2.2.4.1 requires on the root element.</summary>
    public const string Namespace = "SYNCML:SYNCML1.2";

    /// <summary>The namespace of Meta children (Format, Type, MaxMsgSize ...).</summary>
    public const string MetInfNamespace = "syncml:metinf";

    /// <summary>The HTTP media type of clear-XML SyncML DM.</summary>
    public const string MediaType = "application/vnd.syncml.dm+xml";
}

/// <summary>The SyncHdr element.</summary>
/// <remarks>MS-MDM 2.2.4.2: VerDTD, VerProto, SessionID, MsgID, Target, Source, Cred?, Meta?.</remarks>
public sealed record SyncHeader(
    string SessionId,
    string MsgId,
    string? TargetUri,
    string? SourceUri,
    string VerDtd = "1.2",
    string VerProto = "DM/1.2",
    Credential? Cred = null,
    Meta? Meta = null,
    string? TargetName = null,
    string? SourceName = null);

/// <summary>The Cred element of SyncHdr: Meta Type/Format (e.g. syncml:auth-md5, b64) and the Data.</summary>
public sealed record Credential(Meta? Meta, string? Data);

/// <summary>The Meta element (namespace syncml:metinf for its children).</summary>
public sealed record Meta(
    string? Format = null,
    string? Type = null,
    string? Size = null,
    string? MaxMsgSize = null,
    string? MaxObjSize = null,
    string? NextNonce = null,
    string? Mark = null,
    string? Version = null)
{
    public static Meta? FromFormat(string? format, string? type = null) =>
        format is null && type is null ? null : new Meta(Format: format, Type: type);
}

/// <summary>Item data: the text value and whether it travelled as CDATA.</summary>
/// <remarks>OMA-DM RepPro §4.1.3.1: markup in Data must be XML-escaped or in CDATA. Escaped text and CDATA carry the same value.</remarks>
public sealed record ItemData(string Value, bool IsCData = false)
{
    public static ItemData? Of(string? value) => value is null ? null : new ItemData(value);
}

/// <summary>An Item: Target and Source URIs, its own Meta and its Data.</summary>
public sealed record Item(string? TargetUri = null, string? SourceUri = null, Meta? Meta = null, ItemData? Data = null)
{
    public string? DataText => Data?.Value;
}
