import ArgumentParser
import Lake

/// `lake update`
struct UpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Set columns to new values in the rows where a condition is true, in one commit.",
        discussion: """
            --set "COL = EXPR[, COL = EXPR…]" takes the --where grammar's arithmetic, columns and \
            literals. Files holding a matching row are rewritten (copy-on-write); a value that \
            does not fit its column stops the update, naming the column, with no commit.
            """)

    @Argument(help: "The table.")
    var table: String

    @Option(name: .customLong("set"), help: "The new values: \"COL = EXPR[, COL = EXPR…]\".")
    var assignments: String

    @Option(name: .customLong("where"), help: "Only the rows where this SQL condition is true (default: every row).")
    var predicate: String?

    @Option(name: .customLong("txn"), help: "APP:VERSION: commit as this application's VERSION, or do nothing when the table already records it.")
    var txn: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let result = try global.warehouseHandle().update(try TableName(parsing: table), set: assignments, where: predicate,
                                                             transaction: try txn.map(ApplicationTransaction.init(parsing:)))
            emit(global, result, warnings: result.warnings)
        }
    }
}
