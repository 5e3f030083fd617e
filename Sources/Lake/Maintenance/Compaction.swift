import DeltaLog
import LakeCore
import Query

/// What `lake compact` is asked to do.
public struct CompactRequest: Sendable {
    /// The size files are packed to (default `delta.targetFileSize`, else 128 MB).
    public var targetSize: Int64?
    /// A condition on partition columns: only the partitions it selects are compacted.
    public var predicate: String?
    /// Stop once this many input bytes were rewritten (and committed).
    public var maxBytes: Int64?
    /// Plan only: rewrite and commit nothing.
    public var dryRun = false

    public init(targetSize: Int64? = nil, predicate: String? = nil, maxBytes: Int64? = nil, dryRun: Bool = false) {
        self.targetSize = targetSize
        self.predicate = predicate
        self.maxBytes = maxBytes
        self.dryRun = dryRun
    }
}

/// What `lake compact` did (or, in a dry run, would do).
public struct CompactResult: Sendable {
    public var table: String
    /// The table's version after the run (the last commit made, or the version read).
    public var version: Int64
    public var dryRun: Bool
    public var targetSize: Int64
    /// The versions committed (several when the run commits as it goes).
    public var versions: [Int64] = []
    public var partitions = 0
    public var bins = 0
    public var filesRemoved = 0
    public var bytesRemoved: Int64 = 0
    public var filesAdded = 0
    public var bytesAdded: Int64 = 0
    /// Files the plan still holds when `maxBytes` stopped the run.
    public var filesLeft = 0
    public var bytesLeft: Int64 = 0
    public var warnings: [String] = []
}

extension Warehouse {
    /// A commit of at most this many input bytes: a run that dies loses little.
    static let compactionCommitBytes: Int64 = 4 << 30

    /// Rewrites each partition's small files into files near the target size (a bin of files
    /// adding up to at most the target becomes one file): the same rows
    /// and values, statistics computed anew, committed as `OPTIMIZE` with `dataChange=false`
    /// removes and adds, so appends never conflict with it. Rows stream a row group at a
    /// time from the inputs to the writer (decoding one batch ahead on its own thread).
    ///
    /// A concurrent commit that removes a file being compacted makes the run re-plan and try
    /// once more; a second such conflict exits 3. A table with nothing to compact commits
    /// nothing. `progress` gets (input bytes rewritten, input bytes planned).
    public func compact(_ name: TableName, _ request: CompactRequest = CompactRequest(),
                        progress: ((Int64, Int64?) -> Void)? = nil) throws -> CompactResult {
        var result: CompactResult?
        var done: Int64 = 0
        while true {
            let budget = request.maxBytes.map { $0 - done }, before = done
            let report: (Int64, Int64?) -> Void = { bytes, total in progress?(before + bytes, total.map { before + $0 }) }
            let outcome: Chunk
            do {
                outcome = try compactChunk(name, request, budget: budget, progress: report)
            } catch let error as DeltaError where error.kind == .conflict {
                // Re-planned from the table as it is now; a second conflict is the caller's.
                outcome = try compactChunk(name, request, budget: budget, progress: report)
            }
            if result == nil {
                result = CompactResult(table: outcome.table, version: outcome.version, dryRun: request.dryRun,
                                       targetSize: outcome.target)
            }
            result!.accumulate(outcome)
            done += outcome.bytesRemoved
            // Only a chunk cut short by its size goes on; a finished plan ends the run.
            guard outcome.committed, !request.dryRun, outcome.filesLeft > 0 else { break }
            if let maxBytes = request.maxBytes, done >= maxBytes { break }
        }
        return result!
    }

    /// One planned chunk of work, as ``compact(_:_:progress:)`` sums it up.
    struct Chunk {
        var table: String
        var version: Int64
        var target: Int64
        var committed = false
        var partitions = 0, bins = 0, filesRemoved = 0, filesAdded = 0, filesLeft = 0
        var bytesRemoved: Int64 = 0, bytesAdded: Int64 = 0, bytesLeft: Int64 = 0
        var warnings: [String] = []
    }

    /// Plans the table as it is now and rewrites bins up to the chunk size (and `budget`), in
    /// one commit; a dry run only plans.
    private func compactChunk(_ name: TableName, _ request: CompactRequest, budget: Int64?,
                              progress: @escaping (Int64, Int64?) -> Void) throws -> Chunk {
        let operation = try WriteOperation(self, name, operation: "OPTIMIZE")
        let snapshot = operation.snapshot
        let target = request.targetSize ?? snapshot.property("delta.targetFileSize").flatMap { parseSize($0) }.map(Int64.init) ?? 128 << 20
        let predicate = try request.predicate.map { try Self.partitionPredicate($0, snapshot) }
        let plan = CompactionPlan.make(snapshot, target: target, predicate: predicate)
        var chunk = Chunk(table: operation.resolved.displayName, version: snapshot.version, target: target)
        let limit = min(budget ?? .max, Self.compactionCommitBytes)
        var taken: [CompactionPlan.Bin] = []
        var takenBytes: Int64 = 0
        for bin in plan.bins {
            if !taken.isEmpty && takenBytes >= limit {
                chunk.filesLeft += bin.files.count
                chunk.bytesLeft += bin.bytes
                continue
            }
            taken.append(bin)
            takenBytes += bin.bytes
        }
        chunk.bins = taken.count
        chunk.partitions = Set(taken.map { CompactionPlan.key($0.partitionValues) }).count
        chunk.filesRemoved = taken.reduce(0) { $0 + $1.files.count }
        chunk.bytesRemoved = takenBytes
        guard !request.dryRun, !taken.isEmpty else { return chunk }
        var adds: [AddFile] = []
        let committed = try operation.run { op in
            // Each bin becomes one file: its inputs add up to at most the target, so the output
            // is near it, and a second run finds nothing to pack (an estimate-based roll would
            // split it into small files that the next run packs again). One file is open at a
            // time, so memory holds one row group.
            let writer = try op.writer()
            writer.targetFileSize = .max
            var read: Int64 = 0
            for bin in taken {
                let rows = RowStream(ScanExecutor(ScanPlan.reading(bin.files, of: snapshot)))
                while let batch = try rows.next() { try writer.write(batch) }
                try writer.finishOpenFiles()
                read += bin.bytes
                progress(read, takenBytes)
            }
            adds = try writer.close().map { add in
                var rewritten = add
                rewritten.dataChange = false
                return rewritten
            }
            let removed = taken.flatMap(\.files)
            // The removal time is the commit's, after the rewrite: the tombstones' retention counts from it.
            let now = SystemClock.nowMillis()
            var transaction = op.transaction(actions: removed.map { .remove(RemoveFile(removing: $0, at: now, dataChange: false)) }
                                             + adds.map(Action.add))
            transaction.read = ReadSet(files: Set(removed.map { DeltaTable.normalizedKey($0.path) }))
            let sizes = adds.map(\.size).sorted()
            transaction.parameters = [
                ("predicate", JSONValue.array(request.predicate.map { [JSONValue.string($0)] } ?? []).serialized()),
                ("zOrderBy", "[]"), ("auto", "false"),
            ]
            transaction.metrics = [
                ("numRemovedFiles", Int64(removed.count)), ("numRemovedBytes", takenBytes),
                ("numAddedFiles", Int64(adds.count)), ("numAddedBytes", adds.reduce(0) { $0 + $1.size }),
                ("minFileSize", sizes.first ?? 0), ("maxFileSize", sizes.last ?? 0),
                ("p50FileSize", sizes.isEmpty ? 0 : sizes[sizes.count / 2]),
                ("numBatches", Int64(taken.count)), ("partitionsOptimized", Int64(chunk.partitions)),
                ("totalConsideredFiles", Int64(plan.filesConsidered)), ("totalFilesSkipped", Int64(plan.filesSkipped)),
            ]
            return transaction
        }
        chunk.committed = committed != nil
        chunk.version = committed?.version ?? snapshot.version
        chunk.filesAdded = adds.count
        chunk.bytesAdded = adds.reduce(0) { $0 + $1.size }
        chunk.warnings = committed?.warnings ?? []
        return chunk
    }

    /// `--where` for compaction: a condition on partition columns only (data columns would
    /// split files by rows, which compaction never does).
    static func partitionPredicate(_ text: String, _ snapshot: Snapshot) throws -> Predicate {
        let predicate = try Predicate(parsing: text, schema: snapshot.schema)
        let partitions = Set(snapshot.metadata.partitionColumns)
        let others = predicate.columns.subtracting(partitions).sorted()
        guard others.isEmpty else {
            let allowed = partitions.isEmpty ? "the table has no partition columns" : "its partition columns are \(snapshot.metadata.partitionColumns.joined(separator: ", "))"
            throw LakeError(.invalidArgument, "compact --where may name only partition columns; \(others.joined(separator: ", ")) "
                            + (others.count == 1 ? "is not one" : "are not") + " (\(allowed))")
        }
        return predicate
    }
}

extension CompactResult {
    mutating func accumulate(_ chunk: Warehouse.Chunk) {
        version = chunk.version
        if chunk.committed { versions.append(chunk.version) }
        partitions += chunk.partitions
        bins += chunk.bins
        filesRemoved += chunk.filesRemoved
        bytesRemoved += chunk.bytesRemoved
        filesAdded += chunk.filesAdded
        bytesAdded += chunk.bytesAdded
        filesLeft = chunk.filesLeft
        bytesLeft = chunk.bytesLeft
        warnings += chunk.warnings
    }
}
