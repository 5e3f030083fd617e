import Columnar
import DeltaLog
import Ingest
import LakeCore

/// What an append did.
public struct AppendResult: Sendable {
    public var name: String
    /// The version committed; nil when the inputs held no rows (nothing was committed).
    public var version: Int64?
    public var rows: Int
    public var files: Int
    public var bytes: Int64
    /// Rows skipped under `--max-bad-rows`, and the first few of them.
    public var skippedRows: Int
    public var badRows: [SkippedRow]
    /// What the work after the commit could not do (a checkpoint, say); the commit stands.
    public var warnings: [String] = []
    /// Columns `--merge-schema` added (or widened) in the commit.
    public var columnsAdded: [String] = []
    /// The table's columns no input had: their values are null.
    public var columnsFilledWithNull: [String] = []
    /// What readers should know about the table's new features (from `--merge-schema`).
    public var notes: [String] = []
    /// Set when `--txn` found its version already applied: nothing was read or committed.
    public var skipped: String?
}

/// What `create --from` did: the table, and the load into it.
public struct CreateFromResult: Sendable {
    public var created: CreateResult
    public var appended: AppendResult
}

extension Warehouse {
    /// Appends the rows of input files (CSV, TSV, NDJSON, Parquet; `-` for stdin) to a table
    /// in one commit. Columns are matched by name (or position without a header) and values
    /// parsed or cast exactly; with `mergeSchema`, the inputs' new columns (and a Parquet
    /// input's wider types, where the table allows widening) join the schema in the commit. A bad row fails the whole append (after `maxBadRows` skipped
    /// ones): no commit, and the data files written are removed. Inputs without rows commit
    /// nothing (`version` nil).
    public func append(to name: TableName, files: [String], options: LoadOptions = LoadOptions(),
                       progress: ((Int64, Int64?) -> Void)? = nil) throws -> AppendResult {
        guard !files.isEmpty else { throw LakeError(.invalidArgument, "no input: name one or more files, or - for stdin") }
        // A blind append reads no file list: only the schema, protocol, properties and txns.
        let operation = try WriteOperation(self, name, operation: "WRITE", readsFiles: false)
        if let skipped = Self.alreadyApplied(options.transaction, operation.snapshot, operation.resolved) { return skipped }
        do {
            return try append(operation, files: files, options: options, progress: progress)
        } catch let error as DeltaError where error.kind == .conflict && options.transaction != nil {
            // Another run of the same APP:VERSION may have landed first: then this one is done.
            let now = try operation.resolved.table.snapshot(files: false)
            if let skipped = Self.alreadyApplied(options.transaction, now, operation.resolved) { return skipped }
            throw error
        }
    }

    /// The result of an append whose `--txn` the table already records (nil otherwise).
    private static func alreadyApplied(_ txn: ApplicationTransaction?, _ snapshot: Snapshot, _ resolved: ResolvedTable) -> AppendResult? {
        guard let skipped = ApplicationTransaction.skipped(txn, snapshot) else { return nil }
        var result = AppendResult(name: resolved.displayName, version: nil, rows: 0, files: 0, bytes: 0, skippedRows: 0, badRows: [])
        result.skipped = skipped
        return result
    }

    private func append(_ operation: WriteOperation, files: [String], options: LoadOptions,
                        progress: ((Int64, Int64?) -> Void)?) throws -> AppendResult {
        let base = operation.snapshot
        let ingestOptions = options.ingest
        // With --merge-schema the inputs' new columns join the schema in this same commit.
        var evolution: [Action] = []
        var columnsAdded: [String] = [], notes: [String] = []
        var snapshot = base
        if options.mergeSchema {
            var plan = try SchemaChangePlan(snapshot: base)
            columnsAdded = try plan.merge(inputs: files, options: ingestOptions)
            if !columnsAdded.isEmpty {
                let metadata = base.metadata.replacing(schema: plan.schema, configuration: plan.configuration)
                snapshot = try base.evolved(metadata: metadata, protocolAction: plan.protocolAction)
                if plan.protocolAction.raw != base.protocolAction.raw { evolution.append(.protocolAction(plan.protocolAction)) }
                evolution.append(.metaData(metadata))
                notes = plan.notes
            }
        }
        let budget = BadRowBudget(limit: options.maxBadRows)
        var rows = 0
        var adds: [AddFile] = []
        let missing = MissingColumns()
        let committed = try operation.run { op in
            let writer = try op.writer(for: snapshot)
            // Parsing runs on its own thread, one batch ahead of encoding.
            let job = ReadJob(files: files, schema: snapshot.schema, options: ingestOptions, budget: budget,
                              check: try op.constraints(for: snapshot), progress: progress)
            let pipeline = BatchPipeline { emit in missing.set(try job.run(emit)) }
            defer { pipeline.cancel() }
            while let batch = try pipeline.next() {
                try writer.write(batch)
                rows += batch.rowCount
            }
            adds = try writer.close()
            // No rows (a header-only or empty input): a quiet hour, not an error.
            guard rows > 0 else { return nil }
            let txn = options.transaction.map { [$0.action(at: SystemClock.nowMillis())] } ?? []
            var transaction = op.transaction(actions: evolution + adds.map(Action.add) + txn)
            transaction.parameters = [("mode", "Append"),
                                      ("partitionBy", JSONValue.array(snapshot.metadata.partitionColumns.map(JSONValue.string)).serialized())]
            if !evolution.isEmpty { transaction.parameters.append(("mergeSchema", "true")) }
            transaction.metrics = [("numFiles", Int64(adds.count)), ("numOutputRows", Int64(rows)),
                                   ("numOutputBytes", adds.reduce(0) { $0 + $1.size })]
            if budget.skippedCount > 0 { transaction.metrics.append(("numSkippedRows", Int64(budget.skippedCount))) }
            return transaction
        }
        return AppendResult(name: operation.resolved.displayName, version: committed?.version, rows: rows, files: adds.count,
                            bytes: adds.reduce(0) { $0 + $1.size }, skippedRows: budget.skippedCount,
                            badRows: budget.skipped.map(SkippedRow.init), warnings: committed?.warnings ?? [],
                            columnsAdded: committed == nil ? [] : columnsAdded,
                            columnsFilledWithNull: missing.get().sorted().map { snapshot.schema.fields[$0].name },
                            notes: committed == nil ? [] : notes)
    }

    /// `create --from`: infers the schema from the first input, creates the table and loads
    /// every input. When the load fails, the new table is removed again.
    public func createFrom(_ request: CreateRequest, files: [String], options: LoadOptions,
                           progress: ((Int64, Int64?) -> Void)? = nil) throws -> CreateFromResult {
        guard let first = files.first else { throw LakeError(.invalidArgument, "--from needs a file") }
        var request = request
        request.schema = try SchemaInference.infer(first, options: options.ingest)
        let created = try create(request)
        guard created.created else {
            throw LakeError(.alreadyExists, "table \(created.name) already exists; load into it with lake append")
        }
        do {
            let appended = try append(to: request.name, files: files, options: options, progress: progress)
            return CreateFromResult(created: created, appended: appended)
        } catch {
            // Undo the create so a failed load leaves nothing behind.
            if case .catalog = request.name { _ = try? drop(request.name, purge: true) }
            else { try? storage.removeTree(created.location) }
            throw error
        }
    }
}

/// The columns the parsing thread found no input had, handed to the committing thread.
private final class MissingColumns: @unchecked Sendable {
    private let lock = Lock()
    private var columns = Set<Int>()

    func set(_ value: Set<Int>) { lock.withLock { columns = value } }
    func get() -> Set<Int> { lock.withLock { columns } }
}

/// What the parsing thread of an append (or overwrite) reads; used only there until it is done.
struct ReadJob: @unchecked Sendable {
    let files: [String]
    let schema: Schema
    let options: IngestOptions
    let budget: BadRowBudget
    /// The table's constraints, each row checked as it is read.
    var check: TableConstraints? = nil
    let progress: ((Int64, Int64?) -> Void)?

    /// Reads every input; returns the table columns no input had.
    func run(_ emit: (RecordBatch) throws -> Void) throws -> Set<Int> {
        try Ingest.read(files, table: schema, options: options, budget: budget, check: check, progress: progress, emit)
    }
}
