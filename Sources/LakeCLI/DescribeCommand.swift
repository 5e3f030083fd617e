import ArgumentParser
import Lake

/// `lake describe`
struct DescribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "A table's schema, partitioning, properties, protocol and size.")

    @Argument(help: "The table.")
    var table: String

    @OptionGroup var versions: VersionOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            emit(global, try global.warehouseHandle().describe(try TableName(parsing: table), try versions.selector()))
        }
    }
}

extension TableDescription: CommandOutput {
    var json: JSON {
        var protocolJSON: [(String, JSON)] = [("min_reader_version", .int(minReaderVersion)),
                                              ("min_writer_version", .int(minWriterVersion))]
        if let r = readerFeatures { protocolJSON.append(("reader_features", .array(r.map { .string($0) }))) }
        if let w = writerFeatures { protocolJSON.append(("writer_features", .array(w.map { .string($0) }))) }
        return .orderedObject([
            ("table", .string(table)), ("location", .string(location)), ("kind", .string(kind)), ("version", .int(Int(version))),
            ("schema", .array(schema.fields.map { f in
                JSON.object(["name": .string(f.name), "type": .string(f.type.description), "nullable": .bool(f.nullable)])
            })),
            ("partition_columns", .array(partitionColumns.map { .string($0) })),
            ("properties", .orderedObject(properties.map { ($0.0, .string($0.1)) })),
            ("protocol", .orderedObject(protocolJSON)),
            ("files", .int(files)), ("rows", rows.map { .int(Int($0)) } ?? .null), ("bytes", .int(Int(bytes))),
            ("comment", comment.map { .string($0) } ?? .null),
            ("id", .string(id)),
            ("transactions", .array(transactions.map { JSON.orderedObject([("app", .string($0.app)), ("version", .int(Int($0.version)))]) })),
            ("constraints", .array(constraints.map { JSON.orderedObject([("name", .string($0.name)), ("expression", .string($0.expression))]) })),
        ])
    }

    var text: String {
        var text = "table \(table)\nlocation \(location)\nkind \(kind)\nversion \(version)\n"
        if let comment { text += "comment \(comment)\n" }
        text += "schema:\n" + schema.fields.map { "  \($0.name) \($0.type)\($0.nullable ? "" : " not null")\n" }.joined()
        if !partitionColumns.isEmpty { text += "partitioned by \(partitionColumns.joined(separator: ", "))\n" }
        for (k, v) in properties { text += "property \(k)=\(v)\n" }
        for t in transactions { text += "transaction \(t.app) at version \(t.version)\n" }
        for c in constraints { text += "constraint \(c.name) CHECK (\(c.expression))\n" }
        text += "protocol reader \(minReaderVersion) writer \(minWriterVersion)"
        if let r = readerFeatures, !r.isEmpty { text += " reader features \(r.joined(separator: ","))" }
        if let w = writerFeatures, !w.isEmpty { text += " writer features \(w.joined(separator: ","))" }
        text += "\nfiles \(files), rows \(rows.map(String.init) ?? "unknown"), bytes \(bytes)\n"
        return text
    }
}
