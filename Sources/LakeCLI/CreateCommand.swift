import ArgumentParser
import Columnar
import Lake

/// `lake create`
struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a table from a schema, or from a data file (schema inferred, rows loaded).")

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
            request.partitionBy = partitionBy.map(commaList) ?? []
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
            guard let from else {
                emit(global, try warehouse.create(request))
                return
            }
            var options = input.loadOptions
            options.inferDecimal = inferDecimal
            let progress = Progress(label: "load", unit: .bytes, quiet: global.quiet)
            let result = try warehouse.createFrom(request, files: [from], options: options, progress: progress.bytes)
            progress.finish()
            emit(global, result)
        }
    }
}

extension CreateResult: CommandOutput {
    var json: JSON {
        .object(["table": .string(name), "location": .string(location), "version": .int(Int(version)), "created": .bool(created)])
    }

    var text: String {
        created ? "created \(name) at \(location)\n" : "\(name) already exists at \(location)\n"
    }
}

extension CreateFromResult: CommandOutput {
    var json: JSON {
        .orderedObject([("table", .string(created.name)), ("location", .string(created.location)),
                        ("created", .bool(true)), ("append", appended.json)])
    }

    var text: String { "created \(created.name) at \(created.location)\n" + appended.text }
}
