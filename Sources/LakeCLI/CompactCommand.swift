import ArgumentParser
import Lake

/// `lake compact`
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite each partition's small files into files near the target size (dataChange=false).",
        discussion: """
            Packs the files smaller than the target, per partition and in log order, into bins \
            of up to the target size, and rewrites each bin as one file with the same rows. \
            Appends running meanwhile never conflict with it. A table with nothing to compact \
            commits nothing.

            --sort-by and --zorder-by rewrite every file of each partition in that order instead, \
            in files rolled at the target size, so each file covers a narrow range of the \
            columns and readers skip the rest. The new files are tagged with the clustering: a \
            partition that received nothing since is left alone by the next run. Sorts larger \
            than --sort-memory spill sorted runs next to the table's files and merge them.
            """)

    @Argument(help: "The table.")
    var table: String

    @Option(name: .customLong("target-size"), help: "The file SIZE to pack to (512KB, 128MB, 1GB); default delta.targetFileSize, else 128MB.")
    var targetSize: String?

    @Option(name: .customLong("where"), help: "Only the partitions this condition on partition columns selects.")
    var predicate: String?

    @Option(name: .customLong("max-bytes"), help: "Stop once this SIZE of input was rewritten and committed; run again for the rest.")
    var maxBytes: String?

    @Option(name: .customLong("sort-by"), help: "Rewrite each partition sorted by these COLUMNS (comma-separated; ascending, nulls first).")
    var sortBy: String?

    @Option(name: .customLong("zorder-by"), help: "Rewrite each partition along the Z-order curve of these COLUMNS (comma-separated).")
    var zorderBy: String?

    @Option(name: .customLong("sort-memory"), help: "The SIZE of rows a sort holds before spilling to disk (default 512MB).")
    var sortMemory: String?

    @Flag(name: .customLong("dry-run"), help: "Show what would be rewritten; change nothing.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if sortBy != nil && zorderBy != nil {
            throw ValidationError("--sort-by and --zorder-by exclude each other: choose one order")
        }
        if sortMemory != nil && sortBy == nil && zorderBy == nil {
            throw ValidationError("--sort-memory applies only with --sort-by or --zorder-by")
        }
        for (flag, text) in [("--sort-by", sortBy), ("--zorder-by", zorderBy)] {
            if let text, commaList(text).isEmpty || commaList(text).contains("") {
                throw ValidationError("\(flag) '\(text)' is not a list of columns: name them separated by commas, like a,b")
            }
        }
        for (flag, text) in [("--target-size", targetSize), ("--max-bytes", maxBytes), ("--sort-memory", sortMemory)] {
            if let text, (parseSize(text) ?? 0) <= 0 {
                throw ValidationError("\(flag) '\(text)' is not a size: use a number with a unit, like 512KB, 128MB or 1GB")
            }
        }
    }

    func run() throws {
        try runReportingErrors(global) {
            var request = CompactRequest(targetSize: targetSize.flatMap(parseSize).map(Int64.init), predicate: predicate,
                                         maxBytes: maxBytes.flatMap(parseSize).map(Int64.init), dryRun: dryRun)
            if let sortBy { request.clustering = Clustering(.sort, commaList(sortBy)) }
            if let zorderBy { request.clustering = Clustering(.zorder, commaList(zorderBy)) }
            if let size = sortMemory.flatMap(parseSize) { request.sortMemory = Int64(size) }
            let progress = Progress(label: "compact", unit: .bytes, quiet: global.quiet)
            let result = try global.warehouseHandle().compact(try TableName(parsing: table), request, progress: progress.bytes)
            progress.finish()
            emit(global, result, warnings: result.warnings)
        }
    }
}

extension CompactResult: CommandOutput {
    var json: JSON {
        .orderedObject([
            ("table", .string(table)), ("version", .int(Int(version))), ("dry_run", .bool(dryRun)),
            ("target_size", .int(Int(targetSize))), ("versions", .array(versions.map { .int(Int($0)) })),
            ("partitions", .int(partitions)), ("bins", .int(bins)),
            ("files_removed", .int(filesRemoved)), ("bytes_removed", .int(Int(bytesRemoved))),
            ("files_added", .int(filesAdded)), ("bytes_added", .int(Int(bytesAdded))),
            ("files_left", .int(filesLeft)), ("bytes_left", .int(Int(bytesLeft))),
            ("clustering", clustering.map { .string($0.label) } ?? .null),
            ("sort_runs_spilled", .int(sortRunsSpilled)),
        ])
    }

    var text: String {
        if bins == 0 {
            if let clustering {
                return "nothing to cluster in \(table) (version \(version)): every partition is already ordered by \(clustering.label)\n"
            }
            return "nothing to compact in \(table) (version \(version))\n"
        }
        var text = dryRun
            ? "would compact \(filesRemoved) file(s) (\(bytesRemoved) bytes) in \(partitions) partition(s) of \(table) into \(bins) file(s)\n"
            : clustering != nil
                ? "clustered \(table) by \(clustering!.label): \(filesRemoved) file(s) (\(bytesRemoved) bytes) rewritten as \(filesAdded) file(s) (\(bytesAdded) bytes) "
                    + "in \(partitions) partition(s): version \(version)\n"
            : "compacted \(table): \(filesRemoved) file(s) (\(bytesRemoved) bytes) into \(filesAdded) file(s) (\(bytesAdded) bytes) "
                + "in \(partitions) partition(s): version \(version)\n"
        if filesLeft > 0 {
            text += "stopped at --max-bytes: \(filesLeft) file(s) (\(bytesLeft) bytes) left to compact; run it again\n"
        }
        return text
    }
}
