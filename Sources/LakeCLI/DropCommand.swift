import ArgumentParser
import Lake

/// `lake drop`
struct DropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Remove a table from the catalog (--purge deletes its files too).")

    @Argument(help: "The table's catalog name.")
    var table: String

    @Flag(help: "Also delete what a managed table owns: its log and the data files it references (never anything else).")
    var purge = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            emit(global, try global.warehouseHandle().drop(try TableName(parsing: table), purge: purge))
        }
    }
}

extension DropResult: CommandOutput {
    var json: JSON {
        var members: [(String, JSON)] = [("table", .string(table)), ("location", .string(location)), ("purged", .bool(purged))]
        if purged {
            members += [("files_deleted", .int(filesDeleted)), ("bytes_deleted", .int(Int(bytesDeleted))),
                        ("left", .array(left.map { .string($0) }))]
        }
        return .orderedObject(members)
    }

    var text: String {
        guard purged else { return "dropped \(table) (its files remain at \(location))\n" }
        var text = "dropped \(table) and deleted its \(filesDeleted) file(s) (\(bytesDeleted) bytes) at \(location)\n"
        if !left.isEmpty {
            text += "left \(left.count) path(s) that are not the table's: " + left.prefix(5).joined(separator: ", ")
                + (left.count > 5 ? ", …" : "") + "\n"
        }
        return text
    }
}
