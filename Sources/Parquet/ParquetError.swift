import LakeCore

/// Everything that can go wrong reading or writing Parquet, with where it happened.
///
/// The description is the message a person sees at the terminal: what is wrong, in which file,
/// at which byte offset when known.
public struct ParquetError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The bytes are not a valid Parquet file (truncated, corrupt, inconsistent).
        case corrupt
        /// The file is valid but uses something this reader does not implement.
        case unsupported
        /// The caller asked for something impossible (unknown column, bad option).
        case invalidArgument
        /// The operating system refused an operation.
        case io
        /// The file does not exist.
        case notFound
    }

    public var kind: Kind
    public var message: String
    /// The file the error concerns, when known.
    public var path: String?
    /// The byte offset in the file where the problem was found, when known.
    public var offset: Int?

    public init(_ kind: Kind, _ message: String, path: String? = nil, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.offset = offset
    }

    static func corrupt(_ message: String, offset: Int? = nil) -> ParquetError {
        ParquetError(.corrupt, message, offset: offset)
    }

    static func unsupported(_ message: String) -> ParquetError {
        ParquetError(.unsupported, message)
    }

    /// The same error, attributed to `path` unless it already names a file.
    public func at(path: String) -> ParquetError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }

    public var description: String {
        var prefix = ""
        if let path { prefix += path }
        if let offset { prefix += (prefix.isEmpty ? "" : " ") + "at byte \(offset)" }
        let what: String
        switch kind {
        case .corrupt: what = "invalid Parquet: "
        case .unsupported: what = "unsupported Parquet feature: "
        case .invalidArgument, .io, .notFound: what = ""
        }
        return (prefix.isEmpty ? "" : prefix + ": ") + what + message
    }
}

extension ParquetError: LakeFailure {
    public var category: FailureCategory {
        switch kind {
        case .notFound: return .notFound
        case .invalidArgument: return .usage
        case .corrupt, .unsupported, .io: return .runtime
        }
    }

    public var errorType: String {
        switch kind {
        case .notFound: return "not_found"
        case .invalidArgument: return "invalid_argument"
        case .corrupt: return "corrupt_file"
        case .unsupported: return "unsupported"
        case .io: return "io"
        }
    }

    public var location: FailureLocation? { FailureLocation(file: path, offset: offset.map(Int64.init)) }
}
