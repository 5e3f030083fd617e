import DeltaLog
import Ingest
import LakeCore

/// How `append` and `create --from` read their inputs.
public struct LoadOptions: Sendable {
    /// An input format; nil: from each file's extension.
    public enum Format: String, CaseIterable, Sendable { case csv, tsv, json, parquet }

    public var format: Format?
    /// CSV/TSV: whether the first line names the columns (else they map by position).
    public var header = true
    /// CSV/TSV: the field delimiter byte (`,` for CSV, tab for TSV when nil).
    public var delimiter: UInt8?
    /// CSV/TSV: the quote byte (`"` when nil).
    public var quote: UInt8?
    /// CSV/TSV: unquoted text that also means null (an empty field always does).
    public var nullValue: String?
    /// Rows that do not fit the table to skip (and report) before the load fails.
    public var maxBadRows = 0
    /// `create --from`: numbers with a fraction become decimals, not doubles.
    public var inferDecimal = false
    /// `append --merge-schema`: the inputs' columns the table lacks are added to it.
    public var mergeSchema = false
    /// `--txn APP:VERSION`: commit with this application transaction, or do nothing when the
    /// table already records APP at VERSION or later.
    public var transaction: ApplicationTransaction?

    public init() {}

    var ingest: IngestOptions {
        var o = IngestOptions()
        o.format = format.map { InputFormat(rawValue: $0.rawValue)! }
        o.delimited.header = header
        if let delimiter { o.delimited.delimiter = delimiter }
        if let quote { o.delimited.quote = quote }
        o.delimited.nullValue = nullValue
        o.maxBadRows = maxBadRows
        o.inferDecimal = inferDecimal
        return o
    }
}

/// A row a load skipped (`--max-bad-rows`).
public struct SkippedRow: Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line where the row starts (nil when the input has no lines).
    public var line: Int?
    public var column: String?
    public var message: String
    /// The one line users see.
    public var description: String

    init(_ row: BadRow) {
        file = row.file
        line = row.line
        column = row.column
        message = row.message
        description = row.description
    }
}

/// `--txn APP:VERSION`: an application's idempotent write (Delta `txn`).
public struct ApplicationTransaction: Sendable, Equatable {
    public var app: String
    public var version: Int64

    public init(app: String, version: Int64) {
        self.app = app
        self.version = version
    }

    /// `APP:VERSION` (the version after the last colon, a whole number ≥ 0).
    public init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let version = Int64(text[text.index(after: colon)...]), version >= 0 else {
            throw LakeError(.invalidArgument, "--txn '\(DisplayText.value(text))' is not APP:VERSION (an application id, a colon, a whole number), like nightly-load:42")
        }
        self.init(app: String(text[..<colon]), version: version)
    }

    /// What a command prints instead of running when `snapshot` already records this
    /// application at this version or later; nil when it does not.
    static func skipped(_ txn: ApplicationTransaction?, _ snapshot: Snapshot) -> String? {
        guard let txn, let applied = snapshot.transactions[txn.app], applied >= txn.version else { return nil }
        return "\(txn.app):\(txn.version) already applied (the table records \(txn.app):\(applied) at version \(snapshot.version))"
    }

    /// The `txn` action recording it.
    func action(at now: Int64) -> Action {
        .txn(Txn(appId: app, version: version, lastUpdated: now))
    }
}
