import Columnar
import DeltaLog
import Ingest

/// What an append did.
public struct AppendResult: Sendable {
    public var name: String
    public var version: Int64
    public var rows: Int
    public var files: Int
    public var bytes: Int64
    /// Rows skipped under `--max-bad-rows`, and the first few of them.
    public var skippedRows: Int
    public var badRows: [BadRow]
}

extension Warehouse {
    /// Appends the rows of input files (CSV, TSV, NDJSON, Parquet; `-` for stdin) to a table
    /// in one commit. Columns are matched by name (or position without a header) and values
    /// parsed or cast exactly. A bad row fails the whole append (after `maxBadRows` skipped
    /// ones): no commit, and the data files written are removed.
    public func append(to name: TableName, files: [String], options: IngestOptions = IngestOptions(),
                       progress: ((Int64, Int64?) -> Void)? = nil) throws -> AppendResult {
        guard !files.isEmpty else { throw LakeError(.invalidArgument, "no input: name one or more files, or - for stdin") }
        let resolved = try resolve(name)
        let snapshot = try resolved.table.snapshot()
        try TableFeatures.checkAppendable(snapshot.protocolAction, snapshot.metadata)
        let writer = try TableWriter(snapshot: snapshot)
        let budget = BadRowBudget(limit: options.maxBadRows)
        var rows = 0
        let adds: [AddFile]
        // Parsing runs on its own thread, one batch ahead of encoding.
        let job = ReadJob(files: files, schema: snapshot.schema, options: options, budget: budget, progress: progress)
        let pipeline = BatchPipeline { emit in try job.run(emit) }
        do {
            while let batch = try pipeline.next() {
                try writer.write(batch)
                rows += batch.rowCount
            }
            adds = try writer.close()
        } catch {
            pipeline.cancel()
            writer.abort()
            throw error
        }
        var transaction = Transaction(table: resolved.table, readVersion: snapshot.version, operation: "WRITE",
                                      actions: adds.map(Action.add), isBlindAppend: true,
                                      inCommitTimestamps: snapshot.inCommitTimestampsEnabled)
        transaction.parameters = [("mode", "Append"),
                                  ("partitionBy", JSONValue.array(snapshot.metadata.partitionColumns.map(JSONValue.string)).serialized())]
        let bytes = adds.reduce(0) { $0 + $1.size }
        transaction.metrics = [("numFiles", Int64(adds.count)), ("numOutputRows", Int64(rows)), ("numOutputBytes", bytes)]
        if budget.skippedCount > 0 { transaction.metrics.append(("numSkippedRows", Int64(budget.skippedCount))) }
        let version: Int64
        do {
            version = try transaction.commit()
        } catch {
            writer.abort()
            throw error
        }
        if let entry = resolved.entry {
            // The commit landed; a stale index is caught up on next access if this fails.
            try? CatalogIndex.catchUp(entry, table: resolved.table, catalog: catalog(),
                                      latest: version == snapshot.version + 1 ? snapshot.appending(adds, version: version) : nil)
        }
        return AppendResult(name: resolved.displayName, version: version, rows: rows, files: adds.count, bytes: bytes,
                            skippedRows: budget.skippedCount, badRows: budget.skipped)
    }

    /// `create --from`: infers the schema from the first input, creates the table and loads
    /// every input. When the load fails, the new table is removed again.
    public func createFrom(_ request: CreateRequest, files: [String], options: IngestOptions,
                           progress: ((Int64, Int64?) -> Void)? = nil) throws -> (CreateResult, AppendResult) {
        guard let first = files.first else { throw LakeError(.invalidArgument, "--from needs a file") }
        var request = request
        request.schema = try SchemaInference.infer(first, options: options)
        let created = try create(request)
        guard created.created else {
            throw LakeError(.alreadyExists, "table \(created.name) already exists; load into it with lake append")
        }
        do {
            let appended = try append(to: request.name, files: files, options: options, progress: progress)
            return (created, appended)
        } catch {
            // Undo the create so a failed load leaves nothing behind.
            if case .catalog = request.name { _ = try? drop(request.name, purge: true) }
            else { try? FileSystem.removeTree(created.location) }
            throw error
        }
    }
}

/// What the parsing thread of an append reads; used only there until it is done.
private struct ReadJob: @unchecked Sendable {
    let files: [String]
    let schema: Schema
    let options: IngestOptions
    let budget: BadRowBudget
    let progress: ((Int64, Int64?) -> Void)?

    func run(_ emit: (RecordBatch) throws -> Void) throws {
        try Ingest.read(files, table: schema, options: options, budget: budget, progress: progress, emit)
    }
}
