import ArgumentParser
import Lake

/// `lake register`
struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "register", abstract: "Add an existing Delta table directory to the catalog.")

    @Argument(help: "The catalog name to give it.")
    var table: String

    @Argument(help: "The table directory.")
    var directory: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            emit(global, Registered(entry: try global.warehouseHandle().register(try TableName(parsing: table), directory: directory)))
        }
    }
}

/// The table `register` added.
struct Registered: CommandOutput {
    var entry: TableSummary

    var json: JSON {
        .object(["table": .string(entry.name), "location": .string(entry.location), "version": .int(Int(entry.version))])
    }

    var text: String { "registered \(entry.name) at \(entry.location) (version \(entry.version))\n" }
}
