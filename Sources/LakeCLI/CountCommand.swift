import ArgumentParser
import Lake

/// `lake count`
struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "count", abstract: "Count a table's rows (from the log's statistics where possible).")

    @Argument(help: "The table.")
    var table: String

    @Option(name: .customLong("where"), parsing: .unconditional, help: "Count only rows where this SQL condition is true.")
    var predicate: String?

    @OptionGroup var versions: VersionOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            emit(global, try global.warehouseHandle().count(try TableName(parsing: table), try versions.selector(), where: predicate))
        }
    }
}

extension CountResult: CommandOutput {
    var json: JSON { .object(["table": .string(table), "version": .int(Int(version)), "count": .int(Int(count))]) }
    var text: String { "\(count)\n" }
}
