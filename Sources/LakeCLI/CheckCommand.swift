import ArgumentParser
import Lake

/// `lake check`: health and freshness, for cron alerts.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check tables' health (log, files, sizes; with --deep every file's contents) and freshness. Exit 5 when a check fails.",
        discussion: """
            The shallow check reads the log and the file system: the log is contiguous from its \
            newest checkpoint and every commit parses, the protocol is one lake reads, every live \
            file exists inside the table as a regular file of its recorded size, once, with a \
            numRecords statistic. --deep also opens every live file (in parallel): its footer, \
            schema, row count, statistics and every page. --max-age fails a table whose newest \
            commit is older than DURATION (90s, 30m, 2h, 7d). Each problem is one line; exit 0 \
            when healthy, 5 when a check found a problem, 1 when it could not run.
            """)

    @Argument(help: "The tables.")
    var tables: [String] = []

    @Flag(help: "Check every table in the catalog.")
    var all = false

    @Flag(help: "Also open every live file: footer, schema, row count, statistics, every page.")
    var deep = false

    @Option(name: .customLong("max-age"), help: "Fail when the newest commit is older than DURATION (90s, 30m, 2h, 7d).")
    var maxAge: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if all == !tables.isEmpty { throw ValidationError(all ? "name tables or give --all, not both" : "name the tables to check, or give --all") }
    }

    func run() throws {
        var healthy = true
        try runReportingErrors(global) {
            var request = CheckRequest(tables: try tables.map { try TableName(parsing: $0) })
            request.all = all
            request.deep = deep
            request.maxAge = try maxAge.map { try DurationText.parse($0, option: "--max-age") }
            let progress = Progress(label: "check", unit: .files, quiet: global.quiet || !deep)
            let report = try global.warehouseHandle().check(request, progress: progress.counts)
            progress.finish()
            healthy = report.ok
            if global.json {
                print((tables.count == 1 && !all ? report.tables[0].json : report.json).serialized())
            } else if !global.quiet || !healthy {
                print(report.text, terminator: "")
            }
        }
        if !healthy { throw ExitCode(5) }
    }
}

extension TableCheckResult {
    var json: JSON {
        .orderedObject([
            ("table", .string(table)), ("version", version.map { .int(Int($0)) } ?? .null), ("ok", .bool(ok)), ("deep", .bool(deep)),
            ("files_checked", .int(filesChecked)),
            ("problems", .array(problems.map { JSON.orderedObject([("kind", .string($0.kind)), ("path", .string($0.path)), ("message", .string($0.message))]) })),
        ])
    }

    /// One line per problem, or one `ok` line.
    var text: String {
        guard !ok else { return "\(table): ok (version \(version.map(String.init) ?? "?"), \(filesChecked) files\(deep ? ", deep" : ""))\n" }
        return problems.map { "\(table): \($0.path.isEmpty ? "table" : $0.path): \($0.message) [\($0.kind)]\n" }.joined()
    }
}

extension CheckReport {
    var json: JSON { .orderedObject([("ok", .bool(ok)), ("tables", .array(tables.map(\.json)))]) }
    var text: String { tables.map(\.text).joined() }
}
