import ArgumentParser
import Lake

/// `lake maintain`
struct MaintainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintain",
        abstract: "For cron: decide what each table needs and do it (checkpoint, compact, vacuum, log cleanup).",
        discussion: """
            Maintains every catalog table, or the tables named, in a safe order: checkpoint, \
            compact, vacuum, log cleanup, each only when due (see the README for the thresholds \
            and the table properties that set them). A table is maintained under a lease, so an \
            overlapping run reports it busy. With --json, one line per table. Exit 1 when any \
            table failed; the others are still maintained.
            """)

    @Argument(help: "The tables (default: every table in the catalog).")
    var tables: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Show what is due; change nothing.")
    var dryRun = false

    @Flag(help: "Show the recent maintenance runs (of the table named, or of all) instead.")
    var history = false

    @Option(parsing: .unconditional, help: "With --history: at most this many runs (default 20).")
    var limit: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if history && (dryRun || tables.count > 1) { throw ValidationError("--history takes at most one table and no --dry-run") }
        if !history && limit != nil { throw ValidationError("--limit goes with --history") }
        if let limit, limit < 0 { throw ValidationError("--limit must be a positive integer (or 0)") }
    }

    func run() throws {
        var failed = false
        try runReportingErrors(global) {
            let warehouse = global.warehouseHandle()
            if history {
                let runs = try warehouse.maintenanceHistory(try tables.first.map { try TableName(parsing: $0) }, limit: limit ?? 20)
                emit(global, MaintenanceHistory(records: runs))
                return
            }
            let request = MaintainRequest(tables: try tables.map { try TableName(parsing: $0) }, dryRun: dryRun)
            _ = try warehouse.maintain(request) { outcome in
                failed = failed || outcome.status == "failed"
                emit(global, outcome)
            }
        }
        if failed { throw ExitCode(1) }
    }
}

extension TableMaintenance: CommandOutput {
    var json: JSON {
        var fields: [(String, JSON)] = [("table", .string(table)), ("status", .string(status))]
        fields.append(("actions", .array(steps.map { step in
            JSON.orderedObject([("action", .string(step.action)), ("due", .bool(step.due)), ("done", .bool(step.done)),
                                ("reason", .string(step.reason))] + step.metrics.map { ($0.0, JSON.int(Int($0.1))) })
        })))
        fields.append(("duration_ms", .int(Int(durationMillis))))
        if let error { fields.append(("error", .string(error))) }
        if let check { fields.append(("check", check.json)) }
        return .orderedObject(fields)
    }

    var text: String {
        var text = "\(table): \(status)" + (error.map { " — \($0)" } ?? "") + "\n"
        for step in steps {
            let state = step.done ? "done" : step.due ? "due" : "not due"
            let metrics = step.metrics.isEmpty ? "" : " (" + step.metrics.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ")"
            text += "  \(step.action): \(state): \(step.reason)\(metrics)\n"
        }
        if let check {
            text += check.ok ? "  check: ok\n" : check.problems.map { "  check: \($0.path.isEmpty ? "table" : $0.path): \($0.message) [\($0.kind)]\n" }.joined()
        }
        return text
    }
}

/// `lake maintain --history`.
struct MaintenanceHistory: CommandOutput {
    var records: [MaintenanceRecord]

    var json: JSON {
        .orderedObject([("runs", .array(records.map { r in
            JSON.orderedObject([
                ("table", .string(r.table)), ("started", .string(formatTime(r.run.started))),
                ("duration_ms", .int(Int(r.run.finished - r.run.started))), ("outcome", .string(r.run.outcome)),
                ("actions", .array(r.run.actions.map(JSON.string))), ("files_before", .int(Int(r.run.filesBefore))),
                ("files_after", .int(Int(r.run.filesAfter))), ("bytes_before", .int(Int(r.run.bytesBefore))),
                ("bytes_after", .int(Int(r.run.bytesAfter))), ("full_vacuum", .bool(r.run.fullVacuum)),
                ("error", r.run.error.map(JSON.string) ?? .null),
            ])
        }))])
    }

    var text: String {
        "table\tstarted\tduration_ms\toutcome\tactions\tfiles\tbytes\terror\n" + records.map { r in
            "\(r.table)\t\(formatTime(r.run.started))\t\(r.run.finished - r.run.started)\t\(r.run.outcome)\t"
                + "\(r.run.actions.joined(separator: ","))\t\(r.run.filesBefore)→\(r.run.filesAfter)\t"
                + "\(r.run.bytesBefore)→\(r.run.bytesAfter)\t\(r.run.error ?? "")\n"
        }.joined()
    }
}
