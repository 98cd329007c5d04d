namespace LapsCsp.SyncML;

/// <summary>SyncML Representation Protocol 1.2 status codes (RepPro §10) that a DM device or server uses.</summary>
/// <remarks>Windows documents 200, 202, 212, 214, 215, 216, 400, 401, 403, 404, 405, 406, 415, 418, 425, 500, 507, 516
/// ("OMA DM protocol support"). The three-digit number is the value written into a Status's Data.</remarks>
public enum StatusCode
{
    /// <summary>In progress.</summary>
    InProgress = 101,

    /// <summary>OK: the command succeeded. Also the status of a Sequence once it started.</summary>
    Ok = 200,

    /// <summary>Item added.</summary>
    ItemAdded = 201,

    /// <summary>Accepted for processing: the command runs asynchronously.</summary>
    Accepted = 202,

    /// <summary>Authentication accepted for the whole session.</summary>
    AuthenticationAccepted = 212,

    /// <summary>Chunked item accepted and buffered.</summary>
    ChunkedItemAccepted = 213,

    /// <summary>Operation cancelled: completed, but no more commands will be processed.</summary>
    OperationCancelled = 214,

    /// <summary>Not executed: e.g. commands after a failure inside a Sequence, or after a failed child in an Atomic.</summary>
    NotExecuted = 215,

    /// <summary>Atomic roll back OK: the command succeeded but was undone because its Atomic failed.</summary>
    AtomicRollbackOk = 216,

    /// <summary>Bad request: malformed command, missing CmdID, value that does not parse or is out of range.</summary>
    BadRequest = 400,

    /// <summary>Invalid credentials.</summary>
    InvalidCredentials = 401,

    /// <summary>Forbidden.</summary>
    Forbidden = 403,

    /// <summary>Not found: the target node does not exist.</summary>
    NotFound = 404,

    /// <summary>Command not allowed on the target (AccessType, permanent node, not applicable, ...).</summary>
    CommandNotAllowed = 405,

    /// <summary>Optional feature not supported.</summary>
    OptionalFeatureNotSupported = 406,

    /// <summary>Missing credentials.</summary>
    MissingCredentials = 407,

    /// <summary>Incomplete command.</summary>
    IncompleteCommand = 412,

    /// <summary>Request entity too large.</summary>
    RequestEntityTooLarge = 413,

    /// <summary>URI too long.</summary>
    UriTooLong = 414,

    /// <summary>Unsupported media type or format.</summary>
    UnsupportedMediaTypeOrFormat = 415,

    /// <summary>Already exists: Add on an existing node.</summary>
    AlreadyExists = 418,

    /// <summary>Device full.</summary>
    DeviceFull = 420,

    /// <summary>Permission denied (ACL).</summary>
    PermissionDenied = 425,

    /// <summary>Command failed: generic failure; Get or nested Atomic inside an Atomic.</summary>
    CommandFailed = 500,

    /// <summary>Command not implemented.</summary>
    CommandNotImplemented = 501,

    /// <summary>Service unavailable.</summary>
    ServiceUnavailable = 503,

    /// <summary>DTD version not supported.</summary>
    DtdVersionNotSupported = 505,

    /// <summary>Processing error.</summary>
    ProcessingError = 506,

    /// <summary>Atomic failed: status of an Atomic one of whose children failed.</summary>
    AtomicFailed = 507,

    /// <summary>Data store failure.</summary>
    DataStoreFailure = 510,

    /// <summary>Protocol version not supported.</summary>
    ProtocolVersionNotSupported = 513,

    /// <summary>Atomic roll back failed.</summary>
    AtomicRollbackFailed = 516,
}

/// <summary>Helpers over <see cref="StatusCode"/>.</summary>
public static class StatusCodes
{
    /// <summary>The three-digit text of a code, as written into Status/Data.</summary>
    public static string ToWire(this StatusCode code) => ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True for 2xx codes.</summary>
    public static bool IsSuccess(this StatusCode code) => (int)code is >= 200 and < 300;
}
