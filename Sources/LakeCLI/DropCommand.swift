import ArgumentParser
import Lake

/// `lake drop`
struct DropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Remove a table from the catalog (--purge deletes its files too).")

    @Argument(help: "The table's catalog name.")
    var table: String

    @Flag(help: "Also delete the table's directory.")
    var purge = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            emit(global, try global.warehouseHandle().drop(try TableName(parsing: table), purge: purge))
        }
    }
}

extension DropResult: CommandOutput {
    var json: JSON { .object(["table": .string(table), "location": .string(location), "purged": .bool(purged)]) }
    var text: String {
        purged ? "dropped \(table) and deleted \(location)\n" : "dropped \(table) (its files remain at \(location))\n"
    }
}
