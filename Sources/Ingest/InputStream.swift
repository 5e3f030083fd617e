import LakeCore
#if canImport(Glibc)
import Glibc
#endif

/// An input file (or stdin) read in large blocks, so memory stays bounded whatever its size.
final class InputStream {
    /// The name errors use: the path, or `<stdin>`.
    let name: String
    /// ``name`` as a message shows it (control characters escaped, a long path cut).
    var shownName: String { DisplayText.path(name) }
    /// Total size when known (regular files), for progress.
    let size: Int64?
    private let fd: Int32
    private let ownsFD: Bool
    /// Bytes read so far.
    private(set) var consumed: Int64 = 0
    static let blockSize = 8 << 20
    /// Where `read(2)` puts each block before it joins the caller's buffer.
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)

    init(path: String) throws {
        if path == "-" {
            name = "<stdin>"
            fd = 0
            ownsFD = false
            size = nil
            return
        }
        name = path
        // Regular files and streams are read: pipes (a named FIFO, or `<(zcat x.csv.gz)`,
        // which passes /dev/fd/N) and character devices such as /dev/stdin or a terminal.
        // A directory or a block device is refused before it is opened.
        var st = stat()
        if stat(path, &st) == 0, let refused = Self.refusal(st) {
            throw IngestError(.badInput, "\(DisplayText.path(path)) is \(refused), not a data file")
        }
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw IngestError(.notFound, "\(DisplayText.path(path)): no such file") }
            throw IngestError(.io, "\(DisplayText.path(path)): cannot open: \(String(cString: strerror(errno)))")
        }
        ownsFD = true
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw IngestError(.io, "\(DisplayText.path(path)): cannot stat: \(String(cString: strerror(errno)))")
        }
        if let refused = Self.refusal(st) {
            close(fd)
            throw IngestError(.badInput, "\(DisplayText.path(path)) is \(refused), not a data file")
        }
        size = (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : nil
    }

    /// What a file that cannot be read as input is (nil: it can be).
    static func refusal(_ st: stat) -> String? {
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO, S_IFCHR: return nil
        case S_IFDIR: return "a directory"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "a special file"
        }
    }

    /// The size of `path` when it is (or links to) a regular file; nil for streams.
    static func regularFileSize(_ path: String) -> Int64? {
        var st = stat()
        guard path != "-", stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    /// Whether `path` is (or links to) a regular file, which can be read more than once.
    static func isRegularFile(_ path: String) -> Bool { regularFileSize(path) != nil }

    deinit {
        if ownsFD { close(fd) }
        block.deallocate()
    }

    /// Appends up to one block to `buffer`; returns false at the end of the input.
    func read(into buffer: inout [UInt8]) throws -> Bool {
        var n = 0
        while true {
            n = Glibc.read(fd, block.baseAddress, block.count)
            if n < 0 && errno == EINTR { continue }
            break
        }
        guard n >= 0 else { throw IngestError(.io, "\(shownName): cannot read: \(String(cString: strerror(errno)))") }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: block[0..<n]))
        consumed += Int64(n)
        return n > 0
    }
}

/// Input that cannot be loaded: the message names the file, line and column.
public struct IngestError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case badInput, notFound, io, invalidArgument }
    public var kind: Kind
    /// The whole line; when `location` names a line, it starts `FILE:LINE[:COLUMN]: `.
    public var message: String
    public var location: FailureLocation?
    public init(_ kind: Kind, _ message: String, location: FailureLocation? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
    }
    public var description: String { message }
}

extension IngestError: LakeFailure {
    public var category: FailureCategory {
        switch kind {
        case .badInput, .io: return .runtime
        case .notFound: return .notFound
        case .invalidArgument: return .usage
        }
    }

    public var errorType: String {
        switch kind {
        case .badInput: return "bad_input"
        case .notFound: return "not_found"
        case .invalidArgument: return "invalid_argument"
        case .io: return "io"
        }
    }
}

/// A row that was skipped (`--max-bad-rows`) or that failed the load.
public struct BadRow: Sendable {
    public var file: String
    /// 1-based physical line where the row starts (nil when the input has no lines).
    public var line: Int?
    public var column: String?
    public var message: String

    /// The one-line description users see (names cut and escaped; the message's values
    /// already are).
    /// `FILE:LINE:COLUMN: message`, the format every input error line shares.
    public var description: String {
        var where_ = DisplayText.path(file)
        if let line { where_ += ":\(line)" }
        if let column { where_ += ":\(DisplayText.value(column))" }
        return "\(where_): \(DisplayText.escapingControls(message))"
    }
}

/// The bad-row budget of one load: rows are skipped until it is spent, then the load fails.
public final class BadRowBudget: @unchecked Sendable {
    public let limit: Int
    public private(set) var skipped: [BadRow] = []
    public private(set) var skippedCount = 0

    public init(limit: Int) { self.limit = limit }

    /// Records a bad row; throws it when the budget is spent.
    func record(_ row: BadRow) throws {
        guard skippedCount < limit else {
            throw IngestError(.badInput, row.description + (limit > 0 ? " (more than --max-bad-rows \(limit) bad rows)" : ""),
                              location: row.line.map { FailureLocation(file: row.file, line: $0, column: row.column) })
        }
        skippedCount += 1
        if skipped.count < 10 { skipped.append(row) }
    }
}

/// A value from the input, quoted, as an error message shows it: cut to
/// `DisplayText.valueLimit` characters (`…` marks the cut), control characters escaped.
func excerpt(_ b: UnsafeRawBufferPointer) -> String {
    "'" + DisplayText.value(b) + "'"
}

/// A text value (a JSON value, a header name) as an error message shows it.
func excerpt(_ text: String) -> String {
    "'" + DisplayText.value(text) + "'"
}
