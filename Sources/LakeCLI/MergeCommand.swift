import ArgumentParser
import Lake

/// `lake merge`
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Upsert rows from files (or stdin) into a table by key, in one commit.",
        discussion: """
            Target rows whose --on keys equal a source row's are updated to it (or deleted, or \
            left); source rows without a match are inserted (or not); with \
            --when-not-matched-by-source delete, target rows no source row matches are deleted. \
            A key twice in the source is refused. Only target files that may hold a source key \
            are read, and only those with a row to change are rewritten.
            """)

    @Argument(help: "The table.")
    var table: String

    @Argument(help: "Input files, or - for stdin.")
    var files: [String] = []

    @Option(name: .customLong("on"), help: "The key columns, comma-separated.")
    var on: String

    @Option(name: .customLong("when-matched"), help: "update (default), delete or ignore.")
    var whenMatched: String = "update"

    @Option(name: .customLong("when-not-matched"), help: "insert (default) or ignore.")
    var whenNotMatched: String = "insert"

    @Option(name: .customLong("when-not-matched-by-source"), help: "ignore (default) or delete.")
    var whenNotMatchedBySource: String = "ignore"

    @Option(name: .customLong("txn"), help: "APP:VERSION: commit as this application's VERSION, or do nothing when the table already records it.")
    var txn: String?

    @Flag(name: .customLong("merge-schema"), help: "Add the source's columns the table lacks (nullable) in the same commit, as append --merge-schema does.")
    var mergeSchema = false

    @OptionGroup var input: InputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !commaList(on).isEmpty else { throw ValidationError("--on names the key columns, like --on id or --on day,id") }
        func check<T: RawRepresentable & CaseIterable>(_ text: String, _ flag: String, _: T.Type) throws where T.RawValue == String {
            guard T(rawValue: text) != nil else {
                throw ValidationError("\(flag) '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        try check(whenMatched, "--when-matched", MergeRequest.Matched.self)
        try check(whenNotMatched, "--when-not-matched", MergeRequest.NotMatched.self)
        try check(whenNotMatchedBySource, "--when-not-matched-by-source", MergeRequest.NotMatchedBySource.self)
    }

    func run() throws {
        try runReportingErrors(global) {
            var request = MergeRequest(on: commaList(on))
            request.whenMatched = MergeRequest.Matched(rawValue: whenMatched)!
            request.whenNotMatched = MergeRequest.NotMatched(rawValue: whenNotMatched)!
            request.whenNotMatchedBySource = MergeRequest.NotMatchedBySource(rawValue: whenNotMatchedBySource)!
            var options = input.loadOptions
            options.transaction = try txn.map(ApplicationTransaction.init(parsing:))
            options.mergeSchema = mergeSchema
            let progress = Progress(label: "merge", unit: .bytes, quiet: global.quiet)
            let result = try global.warehouseHandle().merge(try TableName(parsing: table), files: files, request,
                                                            options: options, progress: progress.bytes)
            progress.finish()
            emit(global, result, warnings: result.warnings)
        }
    }
}
