import ArgumentParser
import Lake

/// Options every command takes (DESIGN §3).
struct GlobalOptions: ParsableArguments {
    @Option(name: [.short, .customLong("warehouse")], help: "The warehouse directory (default: $LAKE_WAREHOUSE or ./lakehouse).")
    var warehouse: String?

    @Flag(name: .customLong("json"), help: "Print one JSON document on stdout (errors as {\"error\": …}).")
    var json = false

    @Flag(name: [.short, .customLong("quiet")], help: "No progress or notes on stderr.")
    var quiet = false

    /// The warehouse these options name.
    func warehouseHandle() -> Warehouse { Warehouse(path: warehouse) }
}

/// `--version N` / `--as-of TIME`.
struct VersionOptions: ParsableArguments {
    @Option(name: .customLong("version"), help: "Read this version of the table.")
    var version: Int64?

    @Option(name: .customLong("as-of"), help: "Read the table as it was at TIME (RFC 3339, or a date for midnight UTC).")
    var asOf: String?

    func validate() throws {
        if version != nil && asOf != nil { throw ValidationError("use either --version or --as-of, not both") }
        if let version, version < 0 { throw ValidationError("--version must be zero or more") }
    }

    func selector() throws -> VersionSelector {
        if let version { return .version(version) }
        if let asOf { return .asOf(try parseTime(asOf)) }
        return .latest
    }
}

/// Options shared by commands that read input files.
struct InputOptions: ParsableArguments {
    @Option(help: "Input format when the file name does not tell (or for stdin): csv, tsv, json, parquet.")
    var format: LoadOptions.Format?

    @Flag(name: .customLong("no-header"), help: "CSV/TSV: the first line is data; columns map by position.")
    var noHeader = false

    @Option(help: "CSV/TSV: the field delimiter (one character; default , for CSV, tab for TSV).")
    var delimiter: String?

    @Option(help: "CSV/TSV: the quote character (default \").")
    var quote: String?

    @Option(name: .customLong("null-value"), help: "CSV/TSV: unquoted text that also means null (an empty field always does).")
    var nullValue: String?

    @Option(name: .customLong("max-bad-rows"), help: "Skip up to N rows that do not fit the table (they are counted and reported).")
    var maxBadRows: Int = 0

    func validate() throws {
        if let delimiter, delimiter.utf8.count != 1 { throw ValidationError("--delimiter must be one character") }
        if let quote, quote.utf8.count != 1 { throw ValidationError("--quote must be one character") }
        if maxBadRows < 0 { throw ValidationError("--max-bad-rows must be zero or more") }
    }

    var loadOptions: LoadOptions {
        var o = LoadOptions()
        o.format = format
        o.header = !noHeader
        o.delimiter = delimiter?.utf8.first
        o.quote = quote?.utf8.first
        o.nullValue = nullValue
        o.maxBadRows = maxBadRows
        return o
    }
}

extension LoadOptions.Format: ExpressibleByArgument {}
