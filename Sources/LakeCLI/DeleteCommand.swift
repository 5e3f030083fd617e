import ArgumentParser
import Lake

/// `lake delete`
struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete the rows where a condition is true, in one commit.",
        discussion: """
            Files whose partition values or statistics prove every row matches are removed \
            whole; files whose statistics rule the condition out are not touched; the others \
            are read, and rewritten without the matching rows when they hold any (a NULL \
            condition keeps the row, as in SQL).
            """)

    @Argument(help: "The table.")
    var table: String

    @Option(name: .customLong("where"), help: "The SQL condition of the rows to delete.")
    var predicate: String

    @Option(name: .customLong("txn"), help: "APP:VERSION: commit as this application's VERSION, or do nothing when the table already records it.")
    var txn: String?

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let result = try global.warehouseHandle().delete(try TableName(parsing: table), where: predicate,
                                                             transaction: try txn.map(ApplicationTransaction.init(parsing:)))
            emit(global, result, warnings: result.warnings)
        }
    }
}

extension DeleteResult: CommandOutput {
    var json: JSON {
        .orderedObject([
            ("table", .string(table)), ("version", .int(Int(version))), ("committed", .bool(committed)),
            ("rows_deleted", .int(Int(rowsDeleted))), ("rows_inserted", .int(Int(rowsInserted))), ("rows_updated", .int(Int(rowsUpdated))),
            ("files_removed", .int(filesRemoved)), ("files_added", .int(filesAdded)),
            ("files_removed_whole", .int(filesRemovedWhole)), ("rows_copied", .int(Int(rowsCopied))),
            ("deletion_vectors_written", .int(deletionVectorsWritten)),
            ("skipped", .bool(skipped != nil)),
        ])
    }

    var text: String {
        if let skipped { return "skipped: \(skipped)\n" }
        guard committed else { return "no row of \(table) matches: nothing changed (version \(version))\n" }
        if rowsUpdated > 0 && (rowsInserted > 0 || rowsDeleted > 0) || rowsInserted > 0 && rowsDeleted > 0 {
            return "merged into \(table): \(rowsUpdated) updated, \(rowsInserted) inserted, \(rowsDeleted) deleted; "
                + "\(filesRemoved) file(s) rewritten or removed, \(filesAdded) written: version \(version)\n"
        }
        if rowsUpdated > 0 && deletionVectorsWritten > 0 {
            return "updated \(rowsUpdated) row(s) of \(table): the old rows marked in \(deletionVectorsWritten) deletion vector(s), "
                + "the new in \(filesAdded - deletionVectorsWritten) file(s): version \(version)\n"
        }
        if rowsUpdated > 0 {
            return "updated \(rowsUpdated) row(s) of \(table): \(filesRemoved) file(s) rewritten with the \(rowsCopied) other row(s): version \(version)\n"
        }
        if rowsInserted > 0 || filesRemoved > 0 && filesRemovedWhole == filesRemoved && rowsCopied == 0 && filesAdded > 0 {
            return "replaced \(rowsDeleted) row(s) of \(table) with \(rowsInserted): \(filesRemoved) file(s) removed, \(filesAdded) written: version \(version)\n"
        }
        if deletionVectorsWritten > 0 {
            return "deleted \(rowsDeleted) row(s) from \(table): \(deletionVectorsWritten) file(s) marked with deletion vectors, "
                + "\(filesRemovedWhole) removed whole: version \(version)\n"
        }
        return "deleted \(rowsDeleted) row(s) from \(table): \(filesRemoved) file(s) removed (\(filesRemovedWhole) whole), "
            + "\(filesAdded) written with the \(rowsCopied) other row(s): version \(version)\n"
    }
}
