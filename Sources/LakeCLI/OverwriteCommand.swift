import ArgumentParser
import Lake

/// `lake overwrite`
struct OverwriteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overwrite",
        abstract: "Replace the table's rows (or, with --where, the rows it selects) with the inputs', in one commit.",
        discussion: """
            With --where (Delta's replaceWhere) only the matching rows are replaced, and every \
            new row must match it. Inputs are read as append reads them.
            """)

    @Argument(help: "The table.")
    var table: String

    @Argument(help: "Input files, or - for stdin.")
    var files: [String] = []

    @Option(name: .customLong("where"), help: "Replace only the rows where this SQL condition is true.")
    var predicate: String?

    @Option(name: .customLong("txn"), help: "APP:VERSION: commit as this application's VERSION, or do nothing when the table already records it.")
    var txn: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            var options = input.loadOptions
            options.transaction = try txn.map(ApplicationTransaction.init(parsing:))
            let progress = Progress(label: "overwrite", unit: .bytes, quiet: global.quiet)
            let result = try global.warehouseHandle().overwrite(try TableName(parsing: table), files: files, where: predicate,
                                                                options: options, progress: progress.bytes)
            progress.finish()
            emit(global, result, warnings: result.warnings)
        }
    }
}
