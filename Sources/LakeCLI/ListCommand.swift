import ArgumentParser
import Lake

/// `lake list`
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Tables in the catalog with version, rows, bytes and last change.")

    @Argument(help: "Only this namespace.")
    var namespace: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            emit(global, TableList(tables: try global.warehouseHandle().list(namespace: namespace)))
        }
    }
}

/// The tables `list` found.
struct TableList: CommandOutput {
    var tables: [TableSummary]

    var json: JSON {
        .object(["tables": .array(tables.map { t in
            JSON.orderedObject([
                ("name", .string(t.name)), ("location", .string(t.location)), ("version", .int(Int(t.version))),
                ("rows", t.rows.map { .int(Int($0)) } ?? .null), ("bytes", .int(Int(t.bytes))), ("files", .int(Int(t.files))),
                ("last_change", .string(formatTime(t.lastChange))),
            ])
        })])
    }

    /// A header row, then one tab-separated row per table.
    var text: String {
        "name\tversion\trows\tbytes\tfiles\tlast_change\n" + tables.map { t in
            "\(t.name)\t\(t.version)\t\(t.rows.map(String.init) ?? "")\t\(t.bytes)\t\(t.files)\t\(formatTime(t.lastChange))\n"
        }.joined()
    }
}
