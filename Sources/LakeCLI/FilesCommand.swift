import ArgumentParser
import Lake

/// `lake files`
struct FilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "files", abstract: "A table's live data files with size, rows and partition values.")

    @Argument(help: "The table.")
    var table: String

    @OptionGroup var versions: VersionOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            emit(global, try global.warehouseHandle().dataFiles(try TableName(parsing: table), try versions.selector()))
        }
    }
}

extension DataFileListing: CommandOutput {
    var json: JSON {
        .object(["table": .string(table), "version": .int(Int(version)), "files": .array(files.map { f in
            JSON.orderedObject([
                ("path", .string(f.path)), ("size", .int(Int(f.size))),
                ("rows", f.rows.map { .int(Int($0)) } ?? .null),
                ("partition_values", .orderedObject(f.partitionValues.map { ($0.0, $0.1.map { .string($0) } ?? .null) })),
            ])
        })])
    }

    /// A header row, then one tab-separated row per file.
    var text: String {
        "path\tsize\trows\n" + files.map { "\($0.path)\t\($0.size)\t\($0.rows.map(String.init) ?? "")\n" }.joined()
    }
}
