import Columnar
import LakeCore
import Parquet

/// The input formats `append` and `create --from` read.
public enum InputFormat: String, Sendable, CaseIterable {
    case csv, tsv, json, parquet

    /// The format a file's extension names, if any.
    public static func from(path: String) -> InputFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return .tsv }
        if lower.hasSuffix(".json") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .json }
        if lower.hasSuffix(".parquet") || lower.hasSuffix(".parq") { return .parquet }
        return nil
    }
}

/// Options of a text load.
public struct IngestOptions: Sendable {
    public var format: InputFormat?
    public var delimited = DelimitedOptions()
    public var maxBadRows = 0
    /// Infer `decimal(p,s)` for numbers with a fraction (else double).
    public var inferDecimal = false

    public init() {}
}

/// Opens inputs as streams of batches in a table's columns.
public enum Ingest {
    /// The format of `path`: `--format` if given, else its extension.
    public static func format(of path: String, _ options: IngestOptions) throws -> InputFormat {
        if let format = options.format { return format }
        if path == "-" { throw IngestError(.invalidArgument, "reading stdin needs --format (csv, tsv, json or parquet)") }
        guard let format = InputFormat.from(path: path) else {
            throw IngestError(.invalidArgument, "\(path): cannot tell the format from the name; give --format csv, tsv, json or parquet")
        }
        return format
    }

    /// A reader of `path` (`-` for stdin) producing batches of `table`'s columns.
    static func open(_ path: String, table: Schema, options: IngestOptions, budget: BadRowBudget) throws -> BatchReader {
        switch try format(of: path, options) {
        case .parquet:
            guard path != "-" else { throw IngestError(.invalidArgument, "Parquet input must be a file, not stdin") }
            return try ParquetInput(path: path, table: table)
        case .json:
            return NDJSONReader(input: try InputStream(path: path), table: table, budget: budget)
        case .csv, .tsv:
            var delimited = options.delimited
            if try format(of: path, options) == .tsv && options.delimited.delimiter == UInt8(ascii: ",") {
                delimited.delimiter = 0x09
            }
            return try DelimitedReader(input: try InputStream(path: path), table: table, options: delimited, budget: budget)
        }
    }

    /// Runs `body` for every batch of every input, reporting progress as bytes (or rows, for
    /// Parquet) read of the total when known. Returns the table columns (by index) no input
    /// gave a value for: they were filled with nulls.
    ///
    /// With `check`, each batch's rows that fail it are bad rows (named by file and line, or
    /// row number): skipped while `budget` allows, else the read ends with the first of them.
    @discardableResult
    public static func read(_ paths: [String], table: Schema, options: IngestOptions, budget: BadRowBudget,
                            check: (any RowCheck)? = nil, progress: ((Int64, Int64?) -> Void)? = nil,
                            _ body: (RecordBatch) throws -> Void) throws -> Set<Int> {
        for path in paths { _ = try format(of: path, options) }
        var total: Int64? = 0
        for path in paths {
            // Parquet progress counts rows; text counts bytes.
            let size: Int64? = try format(of: path, options) == .parquet ? nil : InputStream.regularFileSize(path)
            total = total.flatMap { t in size.map { t + $0 } }
        }
        var done: Int64 = 0
        var missing = Set(table.fields.indices)
        for path in paths {
            let reader = try open(path, table: table, options: options, budget: budget)
            while var batch = try reader.next() {
                if let check {
                    let failed = try check.violations(batch)
                    if !failed.isEmpty {
                        for violation in failed {
                            var bad = BadRow(file: path == "-" ? "<stdin>" : path, line: nil, column: nil, message: violation.message)
                            switch reader.location(ofRow: violation.row) {
                            case .line(let line): bad.line = line
                            case .row(let row): bad.message = "row \(row): " + bad.message
                            }
                            try budget.record(bad)
                        }
                        let rejected = Set(failed.map(\.row))
                        batch = batch.take((0..<batch.rowCount).filter { !rejected.contains($0) })
                        if batch.rowCount == 0 { continue }
                    }
                }
                try body(batch)
                progress?(done + reader.bytesRead, total)
            }
            done += reader.bytesRead
            missing.subtract(reader.providedColumns)
        }
        return missing
    }
}

/// Where a row is in its input.
public enum RowLocation: Sendable {
    /// The 1-based line a text input's row starts on.
    case line(Int)
    /// The 1-based row number of a Parquet input's row.
    case row(Int64)
}

/// A test every input row must pass before it is loaded (a table's CHECK constraints).
public protocol RowCheck {
    /// The rows of `batch` that fail, each with what is wrong (the values that fail included).
    func violations(_ batch: RecordBatch) throws -> [RowViolation]
}

/// A row that failed a ``RowCheck``.
public struct RowViolation: Sendable {
    public var row: Int
    public var message: String

    public init(row: Int, message: String) {
        self.row = row
        self.message = message
    }
}
