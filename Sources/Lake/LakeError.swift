import Columnar
import LakeCore

/// Errors of lake operations that are not errors of a lower layer: unknown tables, bad
/// arguments, tables that already exist.
public struct LakeError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        case notFound, invalidArgument, alreadyExists, runtime
        /// Input data that does not fit the table (exit 1, like any failed run, not a usage error).
        case badInput
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

extension LakeError: LakeFailure {
    public var category: FailureCategory {
        switch kind {
        case .notFound: return .notFound
        case .invalidArgument: return .usage
        case .alreadyExists, .runtime, .badInput: return .runtime
        }
    }

    public var errorType: String {
        switch kind {
        case .notFound: return "not_found"
        case .invalidArgument: return "invalid_argument"
        case .alreadyExists: return "already_exists"
        case .runtime: return "error"
        case .badInput: return "bad_input"
        }
    }
}

/// Any error, as the command line reports it: exit code, `--json` type and the one line
/// for the terminal. The only place errors are classified.
///
/// Every message passes through here on its way out, so this is where it is made safe:
/// control characters (ESC, newlines, …) from table names, paths or data are escaped
/// (`\x1b`, `\n`), so the message stays one line and cannot drive the terminal, and a
/// message longer than `DisplayText.messageLimit` characters loses its middle.
public struct FailureReport: Sendable {
    public var exitCode: Int32
    public var type: String
    public var message: String
    /// Whether the message starts with the place in an input file (`FILE:LINE[:COLUMN]: …`,
    /// the format every located error line shares), so it needs no other prefix.
    public var located = false

    public init(exitCode: Int32, type: String, message: String) {
        self.exitCode = exitCode
        self.type = type
        self.message = DisplayText.message(message)
    }

    public init(_ error: Error) {
        if let failure = error as? any LakeFailure {
            self.init(exitCode: failure.category.exitCode, type: failure.errorType, message: failure.description)
            located = failure.location?.line != nil
        } else if let error = error as? ColumnarError {
            self.init(exitCode: FailureCategory.runtime.exitCode, type: "error", message: error.description)
        } else {
            self.init(exitCode: FailureCategory.runtime.exitCode, type: "error", message: "\(error)")
        }
    }

    /// A usage error (bad flags or arguments), exit 2.
    public static func usage(_ message: String) -> FailureReport {
        FailureReport(exitCode: FailureCategory.usage.exitCode, type: "usage", message: message)
    }
}
