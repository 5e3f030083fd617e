import ArgumentParser
import Lake

/// `lake init`
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the warehouse and its catalog (idempotent).")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) { emit(global, try global.warehouseHandle().initialize()) }
    }
}

extension InitResult: CommandOutput {
    var json: JSON { .object(["warehouse": .string(warehouse), "catalog": .string(catalog)]) }
    var text: String { "warehouse \(warehouse) (catalog \(catalog))\n" }
}
