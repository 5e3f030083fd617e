import ArgumentParser
import Lake

/// `lake rename`
struct RenameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename a catalog table.")

    @Argument(help: "The table's current name.")
    var table: String

    @Argument(help: "Its new name.")
    var newName: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            emit(global, try global.warehouseHandle().rename(try TableName(parsing: table), to: try TableName(parsing: newName)))
        }
    }
}

extension RenameResult: CommandOutput {
    var json: JSON { .object(["from": .string(from), "to": .string(to)]) }
    var text: String { "renamed \(from) to \(to)\n" }
}
