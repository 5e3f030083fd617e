import ArgumentParser
import Lake

/// `lake history`
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "A table's commits, newest first.")

    @Argument(help: "The table.")
    var table: String

    @Option(parsing: .unconditional, help: "At most this many commits.")
    var limit: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be a positive integer (or 0)") }
    }

    func run() throws {
        try runReportingErrors(global) {
            emit(global, try global.warehouseHandle().history(try TableName(parsing: table), limit: limit))
        }
    }
}

extension TableHistory: CommandOutput {
    var json: JSON {
        .object(["table": .string(table), "commits": .array(commits.map { c in
            JSON.object(["version": .int(Int(c.version)), "timestamp": .string(formatTime(c.timestamp)),
                         "operation": .string(c.operation), "parameters": .raw(c.parametersJSON),
                         "metrics": .raw(c.metricsJSON)])
        })])
    }

    /// A header row, then one tab-separated row per commit.
    var text: String {
        "version\ttimestamp\toperation\tparameters\tmetrics\n" + commits.map { c in
            "\(c.version)\t\(formatTime(c.timestamp))\t\(c.operation)\t\(c.parametersJSON)\t\(c.metricsJSON)\n"
        }.joined()
    }
}
