import LakeCore

/// Everything that can go wrong with a Delta table, with the table, file and version involved.
/// The description is the line a person sees at the terminal.
public struct DeltaError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The log or a data file is not what the protocol says it must be.
        case corrupt
        /// The table uses a feature this implementation does not support.
        case unsupported
        /// The table, version or file does not exist (or its log was cleaned up).
        case notFound
        /// A concurrent commit conflicts with this one and retrying cannot help.
        case conflict
        /// The request itself is wrong (bad schema, bad partition column, …).
        case invalidArgument
        /// The operating system refused an operation.
        case io
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension DeltaError: LakeFailure {
    public var category: FailureCategory {
        switch kind {
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .invalidArgument: return .usage
        case .corrupt, .unsupported, .io: return .runtime
        }
    }

    public var errorType: String {
        switch kind {
        case .notFound: return "not_found"
        case .conflict: return "commit_conflict"
        case .unsupported: return "unsupported"
        case .corrupt: return "corrupt_table"
        case .invalidArgument: return "invalid_argument"
        case .io: return "io"
        }
    }
}
