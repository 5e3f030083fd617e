/// What kind of failure an error is; it decides the exit code (DESIGN §3).
public enum FailureCategory: Int32, Sendable {
    /// The command ran and failed: corrupt or unsupported files, I/O, bad input data.
    case runtime = 1
    /// The command was asked for something wrong: bad flag, unknown column, bad name.
    case usage = 2
    /// A concurrent commit conflicts and retrying cannot help.
    case conflict = 3
    /// A warehouse, table, version or file does not exist.
    case notFound = 4

    /// The process exit code of this category.
    public var exitCode: Int32 { rawValue }
}

/// Where a failure happened, as far as it is known.
public struct FailureLocation: Sendable, Equatable {
    public var file: String?
    /// 1-based line of a text input.
    public var line: Int?
    /// The column (by name) of a table or an input.
    public var column: String?
    /// The table version involved.
    public var version: Int64?
    /// The byte offset in a binary file.
    public var offset: Int64?

    public init(file: String? = nil, line: Int? = nil, column: String? = nil, version: Int64? = nil, offset: Int64? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.version = version
        self.offset = offset
    }
}

/// The one protocol every module's error type conforms to, so the command line maps any
/// error to its exit code, its `--json` type and its message in one place.
///
/// `description` is the message: one line for the person at the terminal, saying what went
/// wrong, where, and what to do.
public protocol LakeFailure: Error, CustomStringConvertible {
    var category: FailureCategory { get }
    /// A stable, machine-readable name for `--json` error documents (`not_found`,
    /// `commit_conflict`, `bad_input`, …).
    var errorType: String { get }
    /// Where it happened, when known.
    var location: FailureLocation? { get }
}

extension LakeFailure {
    public var location: FailureLocation? { nil }
}

extension StorageError: LakeFailure {
    public var category: FailureCategory { .runtime }
    public var errorType: String { "io" }
    public var location: FailureLocation? { FailureLocation(file: path) }
}
