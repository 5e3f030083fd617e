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
    @discardableResult
    public static func read(_ paths: [String], table: Schema, options: IngestOptions, budget: BadRowBudget,
                            progress: ((Int64, Int64?) -> Void)? = nil,
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
            while let batch = try reader.next() {
                try body(batch)
                progress?(done + reader.bytesRead, total)
            }
            done += reader.bytesRead
            missing.subtract(reader.providedColumns)
        }
        return missing
    }
}
