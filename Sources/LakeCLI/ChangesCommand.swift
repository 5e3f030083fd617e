import ArgumentParser
import Lake
#if canImport(Glibc)
import Glibc
#endif

/// `lake changes`: the Change Data Feed of a range of versions.
struct ChangesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "Rows inserted, deleted and updated between two versions (the Change Data Feed), with _change_type, _commit_version and _commit_timestamp.",
        discussion: """
        For an exactly-once incremental pipeline, keep the "to_version" of `--json` (or the
        version printed on stderr) and start the next run at --from-version to_version+1.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, tsv, json, jsonl, parquet
    }

    @Argument(help: "The table (NAME, NAMESPACE.NAME or a directory).")
    var table: String

    @Option(name: .customLong("from-version"), help: "The first version to read.")
    var fromVersion: Int64?

    @Option(help: "Start at the first commit at or after TIME (RFC 3339, or a date for midnight UTC).")
    var since: String?

    @Option(name: .customLong("to-version"), help: "The last version to read (default: the latest).")
    var toVersion: Int64?

    @Option(help: "End at the last commit at or before TIME.")
    var until: String?

    @Option(help: "Comma-separated columns to return (the table's and _change_type, _commit_version, _commit_timestamp).")
    var columns: String?

    @Option(name: .customLong("where"), parsing: .unconditional, help: "Only rows where this SQL condition is true (it may use _change_type and _commit_version).")
    var predicate: String?

    @Flag(name: .customLong("allow-derived"), help: "Derive the changes of commits that rewrote files without change data, by comparing the files' rows (slower).")
    var allowDerived = false

    @Option(help: "Output format: table (default on a terminal), csv (default otherwise), tsv, json, jsonl, parquet.")
    var format: Format?

    @Option(help: "Write to this file instead of stdout (required for --format parquet).")
    var output: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if (fromVersion == nil) == (since == nil) { throw ValidationError("give the start of the range: --from-version N or --since TIME") }
        if toVersion != nil && until != nil { throw ValidationError("use either --to-version or --until, not both") }
        if let fromVersion, fromVersion < 0 { throw ValidationError("--from-version must be zero or more") }
        if let fromVersion, let toVersion, toVersion < fromVersion {
            throw ValidationError("--to-version \(toVersion) is before --from-version \(fromVersion)")
        }
        if format == .parquet && output == nil { throw ValidationError("--format parquet needs --output FILE") }
        if let columns, commaList(columns).isEmpty { throw ValidationError("--columns needs at least one column") }
    }

    func run() throws {
        try runReportingErrors(global) {
            var request = ChangesRequest(table: table, start: try fromVersion.map { .version($0) } ?? .time(parseTime(since!)))
            if let toVersion { request.end = .version(toVersion) }
            if let until { request.end = .time(try parseTime(until)) }
            request.columns = columns.map(commaList)
            request.predicate = predicate
            request.allowDerived = allowDerived
            let feed = try global.warehouseHandle().changes(request)
            let chosen = format ?? (global.json ? .json : isatty(1) == 1 && output == nil ? .table : .csv)
            if chosen == .parquet, let output {
                let written = try feed.rows.writeParquet(to: output, options: ParquetExportOptions())
                if global.json {
                    print(JSON.orderedObject(summary(feed) + [("file", .string(written.file)), ("rows", .int(written.rows)),
                                                              ("to_version", .int(Int(feed.toVersion)))]).serialized())
                } else if !global.quiet {
                    writeStandardError(written.text + note(feed))
                }
                return
            }
            if chosen == .json {
                // One document: what was read, the rows, and (last) the version to continue after.
                let head = JSON.orderedObject(summary(feed)).serialized()
                try feed.rows.print(.json, to: output, before: String(head.dropLast()) + ",\"rows\":",
                                    after: ",\"to_version\":\(feed.toVersion)}\n")
                return
            }
            try feed.rows.print(RowFormat(rawValue: chosen.rawValue)!, to: output)
            if !global.quiet { writeStandardError(note(feed)) }
        }
    }

    private func summary(_ feed: ChangeFeed) -> [(String, JSON)] {
        [("table", .string(feed.table)), ("from_version", .int(Int(feed.fromVersion))),
         ("commits", .int(feed.commits)), ("changing_commits", .int(feed.changingCommits))]
    }

    private func note(_ feed: ChangeFeed) -> String {
        guard feed.commits > 0 else {
            return "changes of \(feed.table): no commit in the range; next: --from-version \(feed.toVersion + 1)\n"
        }
        return "changes of \(feed.table): versions \(feed.fromVersion)-\(feed.toVersion) (\(feed.changingCommits) of \(feed.commits) commits changed rows); next: --from-version \(feed.toVersion + 1)\n"
    }
}
