import ArgumentParser
import Catalog
import Columnar
import DeltaLog
import Ingest
import Lake

/// `lake init`
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the warehouse and its catalog (idempotent).")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let warehouse = global.warehouseHandle()
            try warehouse.initialize()
            emit(global, json: .object(["warehouse": .string(warehouse.root), "catalog": .string(warehouse.catalogPath)]),
                 text: "warehouse \(warehouse.root) (catalog \(warehouse.catalogPath))\n")
        }
    }
}

/// `lake create`
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a table from a schema, or from a data file (schema inferred, rows loaded).")

    @Argument(help: "NAME, NAMESPACE.NAME, or a directory path.")
    var table: String

    @Option(help: "The columns: \"id long not null, name string, amount decimal(12,2), ts timestamp\".")
    var schema: String?

    @Option(help: "Infer the schema from this file (CSV, TSV, NDJSON, Parquet) and load it.")
    var from: String?

    @Flag(name: .customLong("infer-decimal"), help: "With --from: numbers with a fraction become decimal(p,s), not double.")
    var inferDecimal = false

    @Option(name: .customLong("partition-by"), help: "Comma-separated partition columns.")
    var partitionBy: String?

    @Option(name: .customLong("property"), help: "A table property K=V (repeatable).")
    var properties: [String] = []

    @Option(help: "Where the table's files go (default: <warehouse>/<namespace>/<name>).")
    var location: String?

    @Option(help: "A description of the table.")
    var comment: String?

    @Flag(name: .customLong("if-not-exists"), help: "Succeed without change when the table exists.")
    var ifNotExists = false

    @OptionGroup var input: InputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if (schema == nil) == (from == nil) { throw ValidationError("give either --schema or --from") }
    }

    func run() throws {
        try runReportingErrors(global) {
            var request = CreateRequest(name: try TableName(parsing: table),
                                        schema: try schema.map { try Schema(parsing: $0) } ?? Schema([]))
            request.partitionBy = partitionBy.map { $0.split(separator: ",").map { String($0).trimmingSpaces() } } ?? []
            request.properties = try properties.map { p in
                guard let eq = p.firstIndex(of: "="), eq != p.startIndex else {
                    throw ValidationError("--property takes KEY=VALUE, got '\(p)'")
                }
                return (String(p[..<eq]), String(p[p.index(after: eq)...]))
            }
            request.location = location
            request.comment = comment
            request.ifNotExists = ifNotExists
            let warehouse = global.warehouseHandle()
            if let from {
                var options = input.ingestOptions
                options.inferDecimal = inferDecimal
                let progress = Progress(label: "load", total: 0, quiet: global.quiet)
                let (created, appended) = try warehouse.createFrom(request, files: [from], options: options, progress: progress.bytes)
                progress.finish()
                let (appendJSON, text) = describeAppend(appended)
                emit(global, json: .orderedObject([("table", .string(created.name)), ("location", .string(created.location)),
                                                   ("created", .bool(true)), ("append", appendJSON)]),
                     text: "created \(created.name) at \(created.location)\n" + text)
                return
            }
            let result = try warehouse.create(request)
            emit(global, json: .object(["table": .string(result.name), "location": .string(result.location),
                                        "version": .int(Int(result.version)), "created": .bool(result.created)]),
                 text: result.created ? "created \(result.name) at \(result.location)\n"
                                      : "\(result.name) already exists at \(result.location)\n")
        }
    }
}

/// Options shared by commands that read input files.
struct InputOptions: ParsableArguments {
    @Option(help: "Input format when the file name does not tell (or for stdin): csv, tsv, json, parquet.")
    var format: InputFormat?

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

    var ingestOptions: IngestOptions {
        var o = IngestOptions()
        o.format = format
        o.delimited.header = !noHeader
        if let delimiter { o.delimited.delimiter = delimiter.utf8.first! }
        if let quote { o.delimited.quote = quote.utf8.first! }
        o.delimited.nullValue = nullValue
        o.maxBadRows = maxBadRows
        return o
    }
}

extension InputFormat: ExpressibleByArgument {}

/// JSON and text for an append's outcome.
func describeAppend(_ r: AppendResult) -> (JSON, String) {
    let json = JSON.orderedObject([
        ("table", .string(r.name)), ("version", .int(Int(r.version))), ("rows", .int(r.rows)),
        ("files", .int(r.files)), ("bytes", .int(Int(r.bytes))), ("skipped_rows", .int(r.skippedRows)),
        ("bad_rows", .array(r.badRows.map { b in
            JSON.orderedObject([("file", .string(b.file)), ("line", b.line.map { .int($0) } ?? .null),
                                ("column", b.column.map { .string($0) } ?? .null), ("message", .string(b.message))])
        })),
    ])
    var text = "appended \(r.rows) rows in \(r.files) file(s) (\(r.bytes) bytes) to \(r.name): version \(r.version)\n"
    if r.skippedRows > 0 {
        text += "skipped \(r.skippedRows) bad row(s):\n" + r.badRows.map { "  \($0.description)\n" }.joined()
        if r.skippedRows > r.badRows.count { text += "  …\n" }
    }
    return (json, text)
}

/// `lake append`
struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append rows from CSV, TSV, NDJSON or Parquet files (or stdin) to a table, in one commit.")

    @Argument(help: "The table.")
    var table: String

    @Argument(help: "Input files, or - for stdin.")
    var files: [String] = []

    @OptionGroup var input: InputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let progress = Progress(label: "append", total: 0, quiet: global.quiet)
            let result = try global.warehouseHandle().append(to: try TableName(parsing: table), files: files,
                                                             options: input.ingestOptions, progress: progress.bytes)
            progress.finish()
            let (json, text) = describeAppend(result)
            emit(global, json: json, text: text)
        }
    }
}

/// `lake count`
struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Count a table's rows (from the log's statistics where possible).")

    @Argument(help: "The table.")
    var table: String

    @Option(name: .customLong("where"), parsing: .unconditional, help: "Count only rows where this SQL condition is true.")
    var predicate: String?

    @OptionGroup var versions: VersionOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let (warehouse, _, snapshot) = try global.snapshot(of: table, versions)
            let n = try predicate.map { try warehouse.count(snapshot, where: $0).count } ?? warehouse.count(snapshot)
            emit(global, json: .object(["count": .int(Int(n))]), text: "\(n)\n")
        }
    }
}

/// `lake history`
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A table's commits, newest first.")

    @Argument(help: "The table.")
    var table: String

    @Option(help: "At most this many commits.")
    var limit: Int?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let warehouse = global.warehouseHandle()
            let resolved = try warehouse.resolve(TableName(parsing: table))
            let commits = try warehouse.history(resolved, limit: limit)
            let json = JSON.object(["table": .string(resolved.displayName), "commits": .array(commits.map { c in
                JSON.object(["version": .int(Int(c.version)), "timestamp": .string(DeltaTable.formatMillis(c.timestamp)),
                             "operation": .string(c.operation), "parameters": .raw(c.parameters.serialized()),
                             "metrics": .raw(c.metrics.serialized())])
            })])
            var text = ""
            for c in commits {
                text += "\(c.version)\t\(DeltaTable.formatMillis(c.timestamp))\t\(c.operation)\t\(c.parameters.serialized())\t\(c.metrics.serialized())\n"
            }
            emit(global, json: json, text: text)
        }
    }
}

/// `lake describe`
struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A table's schema, partitioning, properties, protocol and size.")

    @Argument(help: "The table.")
    var table: String

    @OptionGroup var versions: VersionOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let (warehouse, resolved, s) = try global.snapshot(of: table, versions)
            // Rows need stats or readable footers; a table whose files are gone still describes.
            let rows = try? warehouse.count(s)
            let p = s.protocolAction
            var protocolJSON: [(String, JSON)] = [("min_reader_version", .int(p.minReaderVersion)),
                                                  ("min_writer_version", .int(p.minWriterVersion))]
            if let r = p.readerFeatures { protocolJSON.append(("reader_features", .array(r.map { .string($0) }))) }
            if let w = p.writerFeatures { protocolJSON.append(("writer_features", .array(w.map { .string($0) }))) }
            let json = JSON.orderedObject([
                ("table", .string(resolved.displayName)), ("location", .string(s.root)), ("version", .int(Int(s.version))),
                ("schema", .array(s.schema.fields.map { f in
                    JSON.object(["name": .string(f.name), "type": .string(f.type.description), "nullable": .bool(f.nullable)])
                })),
                ("partition_columns", .array(s.metadata.partitionColumns.map { .string($0) })),
                ("properties", .orderedObject(s.metadata.configuration.map { ($0.0, .string($0.1)) })),
                ("protocol", .orderedObject(protocolJSON)),
                ("files", .int(s.files.count)), ("rows", rows.map { .int(Int($0)) } ?? .null), ("bytes", .int(Int(s.totalBytes))),
                ("comment", s.metadata.description.map { .string($0) } ?? .null),
                ("id", .string(s.metadata.id)),
            ])
            var text = "table \(resolved.displayName)\nlocation \(s.root)\nversion \(s.version)\n"
            if let comment = s.metadata.description { text += "comment \(comment)\n" }
            text += "schema:\n" + s.schema.fields.map { "  \($0.name) \($0.type)\($0.nullable ? "" : " not null")\n" }.joined()
            if !s.metadata.partitionColumns.isEmpty { text += "partitioned by \(s.metadata.partitionColumns.joined(separator: ", "))\n" }
            for (k, v) in s.metadata.configuration { text += "property \(k)=\(v)\n" }
            text += "protocol reader \(p.minReaderVersion) writer \(p.minWriterVersion)"
            if let r = p.readerFeatures, !r.isEmpty { text += " reader features \(r.joined(separator: ","))" }
            if let w = p.writerFeatures, !w.isEmpty { text += " writer features \(w.joined(separator: ","))" }
            text += "\nfiles \(s.files.count), rows \(rows.map(String.init) ?? "unknown"), bytes \(s.totalBytes)\n"
            emit(global, json: json, text: text)
        }
    }
}

/// `lake files`
struct Files: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A table's live data files with size, rows and partition values.")

    @Argument(help: "The table.")
    var table: String

    @OptionGroup var versions: VersionOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let (_, _, s) = try global.snapshot(of: table, versions)
            let json = JSON.object(["version": .int(Int(s.version)), "files": .array(s.files.map { f in
                JSON.orderedObject([
                    ("path", .string(Partitioning.uriDecode(f.path))), ("size", .int(Int(f.size))),
                    ("rows", f.numRecords.map { .int(Int($0)) } ?? .null),
                    ("partition_values", .orderedObject(f.partitionValues.map { ($0.0, $0.1.map { .string($0) } ?? .null) })),
                ])
            })])
            var text = ""
            for f in s.files {
                text += "\(Partitioning.uriDecode(f.path))\t\(f.size)\t\(f.numRecords.map(String.init) ?? "")\n"
            }
            emit(global, json: json, text: text)
        }
    }
}

/// `lake list`
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tables in the catalog with version, rows, bytes and last change.")

    @Argument(help: "Only this namespace.")
    var namespace: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let tables = try global.warehouseHandle().list(namespace: namespace)
            let json = JSON.object(["tables": .array(tables.map { t in
                JSON.orderedObject([
                    ("name", .string(t.qualifiedName)), ("location", .string(t.location)), ("version", .int(Int(t.version))),
                    ("rows", t.rows.map { .int(Int($0)) } ?? .null), ("bytes", .int(Int(t.bytes))), ("files", .int(Int(t.files))),
                    ("last_change", .string(DeltaTable.formatMillis(t.lastChange))),
                ])
            })])
            var text = ""
            for t in tables {
                text += "\(t.qualifiedName)\tversion \(t.version)\t\(t.rows.map(String.init) ?? "?") rows\t\(t.bytes) bytes\t\(DeltaTable.formatMillis(t.lastChange))\n"
            }
            emit(global, json: json, text: text)
        }
    }
}

/// `lake drop`
struct Drop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove a table from the catalog (--purge deletes its files too).")

    @Argument(help: "The table's catalog name.")
    var table: String

    @Flag(help: "Also delete the table's directory.")
    var purge = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let name = try TableName(parsing: table)
            let location = try global.warehouseHandle().drop(name, purge: purge)
            emit(global, json: .object(["table": .string(name.description), "location": .string(location), "purged": .bool(purge)]),
                 text: purge ? "dropped \(name) and deleted \(location)\n" : "dropped \(name) (its files remain at \(location))\n")
        }
    }
}

/// `lake rename`
struct Rename: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rename a catalog table.")

    @Argument(help: "The table's current name.")
    var table: String

    @Argument(help: "Its new name.")
    var newName: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let (from, to) = try global.warehouseHandle().rename(try TableName(parsing: table), to: try TableName(parsing: newName))
            emit(global, json: .object(["from": .string(from), "to": .string(to)]), text: "renamed \(from) to \(to)\n")
        }
    }
}

/// `lake register`
struct Register: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add an existing Delta table directory to the catalog.")

    @Argument(help: "The catalog name to give it.")
    var table: String

    @Argument(help: "The table directory.")
    var directory: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let entry = try global.warehouseHandle().register(try TableName(parsing: table), directory: directory)
            emit(global, json: .object(["table": .string(entry.qualifiedName), "location": .string(entry.location),
                                        "version": .int(Int(entry.version))]),
                 text: "registered \(entry.qualifiedName) at \(entry.location) (version \(entry.version))\n")
        }
    }
}

/// `lake catalog sync`
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "Catalog maintenance.",
                                                    subcommands: [Sync.self])

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rebuild the catalog's indexes from the tables' logs.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try runReportingErrors(global) {
                let (synced, missing) = try global.warehouseHandle().syncCatalog()
                emit(global, json: .object(["synced": .array(synced.map { .string($0.qualifiedName) }),
                                            "missing": .array(missing.map { .string($0.qualifiedName) })]),
                     text: "synced \(synced.count) table(s)" + (missing.isEmpty ? "" : "; no table found for: \(missing.map(\.qualifiedName).joined(separator: ", "))") + "\n")
            }
        }
    }
}
