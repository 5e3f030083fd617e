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
            """)

    @Argument(help: "The table.")
    var table: String

    @Option(name: .customLong("target-size"), help: "The file SIZE to pack to (512KB, 128MB, 1GB); default delta.targetFileSize, else 128MB.")
    var targetSize: String?

    @Option(name: .customLong("where"), help: "Only the partitions this condition on partition columns selects.")
    var predicate: String?

    @Option(name: .customLong("max-bytes"), help: "Stop once this SIZE of input was rewritten and committed; run again for the rest.")
    var maxBytes: String?

    @Flag(name: .customLong("dry-run"), help: "Show what would be rewritten; change nothing.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        for (flag, text) in [("--target-size", targetSize), ("--max-bytes", maxBytes)] {
            if let text, (parseSize(text) ?? 0) <= 0 {
                throw ValidationError("\(flag) '\(text)' is not a size: use a number with a unit, like 512KB, 128MB or 1GB")
            }
        }
    }

    func run() throws {
        try runReportingErrors(global) {
            let request = CompactRequest(targetSize: targetSize.flatMap(parseSize).map(Int64.init), predicate: predicate,
                                         maxBytes: maxBytes.flatMap(parseSize).map(Int64.init), dryRun: dryRun)
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
        ])
    }

    var text: String {
        if bins == 0 { return "nothing to compact in \(table) (version \(version))\n" }
        var text = dryRun
            ? "would compact \(filesRemoved) file(s) (\(bytesRemoved) bytes) in \(partitions) partition(s) of \(table) into \(bins) file(s)\n"
            : "compacted \(table): \(filesRemoved) file(s) (\(bytesRemoved) bytes) into \(filesAdded) file(s) (\(bytesAdded) bytes) "
                + "in \(partitions) partition(s): version \(version)\n"
        if filesLeft > 0 {
            text += "stopped at --max-bytes: \(filesLeft) file(s) (\(bytesLeft) bytes) left to compact; run it again\n"
        }
        return text
    }
}
