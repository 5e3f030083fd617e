import Columnar
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
    /// Rewrite whole partitions in this order (`--sort-by`, `--zorder-by`) instead of packing.
    public var clustering: Clustering?
    /// The decoded bytes a clustering sort holds before it spills a sorted run to disk.
    public var sortMemory: Int64 = 512 << 20

    public init(targetSize: Int64? = nil, predicate: String? = nil, maxBytes: Int64? = nil, dryRun: Bool = false,
                clustering: Clustering? = nil) {
        self.targetSize = targetSize
        self.predicate = predicate
        self.maxBytes = maxBytes
        self.dryRun = dryRun
        self.clustering = clustering
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
    /// The clustering applied (nil for bin-packing).
    public var clustering: Clustering?
    /// Sorted runs written to disk because a partition did not fit in the sort memory.
    public var sortRunsSpilled = 0
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
                                       targetSize: outcome.target, clustering: request.clustering)
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
        var sortRunsSpilled = 0
        var warnings: [String] = []
    }

    /// Plans the table as it is now and rewrites bins up to the chunk size (and `budget`), in
    /// one commit; a dry run only plans.
    private func compactChunk(_ name: TableName, _ request: CompactRequest, budget: Int64?,
                              progress: @escaping (Int64, Int64?) -> Void) throws -> Chunk {
        let operation = try WriteOperation(self, name, operation: "OPTIMIZE", changesData: false)
        let snapshot = operation.snapshot
        let target = request.targetSize ?? snapshot.property("delta.targetFileSize").flatMap { parseSize($0) }.map(Int64.init) ?? 128 << 20
        let predicate = try request.predicate.map { try Self.partitionPredicate($0, snapshot) }
        let clustering = try request.clustering.map { try Self.checkClustering($0, snapshot) }
        let plan = CompactionPlan.make(snapshot, target: target, predicate: predicate, clustering: request.clustering)
        var chunk = Chunk(table: operation.resolved.displayName, version: snapshot.version, target: target)
        chunk.warnings = clustering?.warnings ?? []
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
            let writer = try op.writer()
            var read: Int64 = 0
            for bin in taken {
                let rows = RowStream(ScanExecutor(ScanPlan.reading(bin.files, of: snapshot)))
                if let clustering {
                    // The partition's rows in order, in files rolled at the target: each covers a
                    // stretch of the order.
                    writer.targetFileSize = Int(clamping: target)
                    let sort = ExternalSort(schema: snapshot.schema, encoder: clustering.encoder(bin.files, snapshot),
                                            memoryLimit: Int(clamping: request.sortMemory), directory: snapshot.root)
                    while let batch = try rows.next() { try sort.add(batch) }
                    try sort.finish { try writer.write($0) }
                    chunk.sortRunsSpilled += sort.runsSpilled
                } else {
                    // Each bin becomes one file: its inputs add up to at most the target, so the
                    // output is near it, and a second run finds nothing to pack (an
                    // estimate-based roll would split it into small files that the next run packs
                    // again). One file is open at a time, so memory holds one row group.
                    writer.targetFileSize = .max
                    while let batch = try rows.next() { try writer.write(batch) }
                }
                try writer.finishOpenFiles()
                read += bin.bytes
                progress(read, takenBytes)
            }
            let tags: [(String, JSONValue)] = request.clustering.map { [("tags", .object([(Clustering.tagName, .string($0.label))]))] } ?? []
            adds = try writer.close().map { add in
                AddFile(path: add.path, partitionValues: add.partitionValues, size: add.size,
                        modificationTime: add.modificationTime, dataChange: false, stats: add.stats, extra: tags)
            }
            let removed = taken.flatMap(\.files)
            // The removal time is the commit's, after the rewrite: the tombstones' retention counts from it.
            let now = SystemClock.nowMillis()
            var transaction = op.transaction(actions: removed.map { .remove(RemoveFile(removing: $0, at: now, dataChange: false)) }
                                             + adds.map(Action.add))
            transaction.read = ReadSet(files: Set(removed.map { DeltaTable.normalizedKey($0.path) }))
            let sizes = adds.map(\.size).sorted()
            func list(_ texts: [String]) -> String { JSONValue.array(texts.map(JSONValue.string)).serialized() }
            let clustering = request.clustering
            transaction.parameters = [
                ("predicate", list(request.predicate.map { [$0] } ?? [])),
                ("zOrderBy", list(clustering?.kind == .zorder ? clustering!.columns : [])), ("auto", "false"),
            ]
            if let clustering, clustering.kind == .sort { transaction.parameters.append(("sortBy", list(clustering.columns))) }
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
        chunk.warnings += committed?.warnings ?? []
        return chunk
    }

    /// A clustering checked against the table: its columns, their indices, and warnings.
    struct CheckedClustering {
        let clustering: Clustering
        var indices: [Int]
        var warnings: [String] = []

        /// The key encoder for a partition's files (Z-order scaled to their statistics).
        func encoder(_ files: [AddFile], _ snapshot: Snapshot) -> SortKeyEncoder {
            switch clustering.kind {
            case .sort: return .lexicographic(indices)
            case .zorder:
                let bounds = FileBounds(snapshot: snapshot)
                return .zOrder(indices, bounds: clustering.columns.map { column in
                    files.compactMap { file -> (min: Value?, max: Value?)? in
                        guard let b = bounds.stats(file, column) else { return (nil, nil) }
                        // A file of nulls only says nothing about the range.
                        if let nulls = b.nullCount, let rows = b.rowCount, nulls == rows { return nil }
                        return (b.min, b.max)
                    }
                })
            }
        }
    }

    /// `--sort-by` and `--zorder-by` name data columns of primitive types, each once.
    static func checkClustering(_ clustering: Clustering, _ snapshot: Snapshot) throws -> CheckedClustering {
        let flag = clustering.kind == .sort ? "--sort-by" : "--zorder-by"
        guard !clustering.columns.isEmpty, clustering.columns.count <= 64 else {
            throw LakeError(.invalidArgument, "\(flag) takes 1 to 64 columns")
        }
        guard Set(clustering.columns).count == clustering.columns.count else {
            throw LakeError(.invalidArgument, "\(flag) names a column twice: \(clustering.columns.joined(separator: ","))")
        }
        var checked = CheckedClustering(clustering: clustering, indices: [])
        let dataSchema = Schema(snapshot.schema.fields.filter { !snapshot.metadata.partitionColumns.contains($0.name) })
        let indexed = FileStats.indexedColumns(dataSchema, properties: { snapshot.property($0) })
        for name in clustering.columns {
            guard let index = snapshot.schema.index(of: name) else {
                let names = snapshot.schema.fields.map(\.name).joined(separator: ", ")
                throw LakeError(.invalidArgument, "\(flag): the table has no column '\(DisplayText.value(name))' (its columns: \(names))")
            }
            if snapshot.metadata.partitionColumns.contains(name) {
                throw LakeError(.invalidArgument, "\(flag): '\(name)' is a partition column; every file holds one value of it already")
            }
            let type = snapshot.schema.fields[index].type
            guard SortKeyEncoder.supports(type) else {
                throw LakeError(.invalidArgument, "\(flag): '\(name)' is a \(type) column; only columns of primitive types can order rows")
            }
            if clustering.kind == .zorder && !indexed.contains(name) {
                checked.warnings.append("no statistics are collected on '\(name)' (delta.dataSkippingNumIndexedCols / delta.dataSkippingStatsColumns): z-ordering by it cannot help readers skip files")
            }
            checked.indices.append(index)
        }
        return checked
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
        sortRunsSpilled += chunk.sortRunsSpilled
        for warning in chunk.warnings where !warnings.contains(warning) { warnings.append(warning) }
    }
}
