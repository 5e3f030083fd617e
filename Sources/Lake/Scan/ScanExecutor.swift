import Columnar
import DeltaLog
import LakeCore
import Parquet
import Query

/// What a scan read and skipped (`--explain --analyze`).
public struct ScanStatistics: Sendable {
    public var filesTotal = 0
    public var filesPrunedByPartition = 0
    public var filesSkippedByStats = 0
    public var filesRead = 0
    public var rowGroupsRead = 0
    public var rowGroupsSkipped = 0
    /// Compressed bytes of the column chunks decoded.
    public var bytesRead: Int64 = 0
    public var rowsRead = 0
    public var rowsReturned = 0
}

/// Runs a ``ScanPlan``: the planned files, row group by row group, as batches of the plan's
/// schema (partition columns filled from the file's partition values).
///
/// Row groups are skipped by their Parquet statistics, only the columns needed are decoded,
/// rows are filtered with SQL semantics, and reading stops at the plan's limit.
public final class ScanExecutor: BatchSource {
    public let plan: ScanPlan
    public var schema: Schema { plan.schema }
    private var remaining: Int
    private var fileIndex = 0
    private var reader: ParquetReader?
    private var readerFile: AddFile?
    private var rowGroup = 0
    public private(set) var rowsDelivered = 0
    public private(set) var statistics = ScanStatistics()
    /// With `tracksPositions`, each row's position in its file (counting rows a deletion
    /// vector removed) for the batch `next()` returned last: what a new vector names.
    public var tracksPositions = false
    public private(set) var positions: [UInt64] = []
    /// When set, only these row groups of each file are read (a file checked in parallel
    /// pieces).
    var rowGroups: Range<Int>?

    private let mapping: ColumnMapping
    private let bounds: FileBounds
    /// The open file's deleted row positions (ascending) and its row groups' first rows.
    private var deleted: [UInt64] = []
    private var groupStarts: [UInt64] = []

    public init(_ plan: ScanPlan) {
        self.plan = plan
        mapping = plan.snapshot.columnMapping
        bounds = FileBounds(snapshot: plan.snapshot)
        remaining = plan.limit ?? .max
        statistics.filesTotal = plan.filesTotal
        statistics.filesPrunedByPartition = plan.filesPrunedByPartition
        statistics.filesSkippedByStats = plan.filesSkippedByStats
    }

    /// Rows the log says the plan covers (before filtering and the limit); nil when a file has
    /// no row count.
    public var expectedRows: Int? {
        var total = 0
        for planned in plan.files {
            guard let n = planned.file.liveRecords else { return nil }
            total += Int(n)
        }
        return min(total, plan.limit ?? .max)
    }

    /// The next batch, or nil at the end.
    public func next() throws -> RecordBatch? {
        let snapshot = plan.snapshot
        while remaining > 0 {
            if reader == nil {
                guard fileIndex < plan.files.count else { return nil }
                let file = plan.files[fileIndex].file
                fileIndex += 1
                let path = try snapshot.readablePath(of: file)
                do {
                    reader = try ParquetReader(path: path)
                } catch let error as ParquetError where error.kind == .notFound {
                    throw snapshot.missingDataFile(path)
                }
                // Rows a deletion vector removed, and where each row group starts.
                deleted = try snapshot.deletionVector(of: file, rowCount: Int64(reader!.rowCount))?.rows ?? []
                groupStarts = reader!.metadata.rowGroups.reduce(into: [UInt64(0)]) { $0.append($0.last! + UInt64(max(0, $1.numRows))) }
                statistics.filesRead += 1
                readerFile = file
                rowGroup = 0
            }
            guard let reader, let file = readerFile else { continue }
            if rowGroup >= reader.rowGroupCount {
                self.reader = nil
                continue
            }
            let group = rowGroup
            rowGroup += 1
            if let rowGroups, !rowGroups.contains(group) { continue }
            if let predicate = plan.predicate,
               !predicate.mightMatch({ bounds.partition(file, $0) ?? self.rowGroupBounds(reader, group, $0) }) {
                statistics.rowGroupsSkipped += 1
                continue
            }
            statistics.rowGroupsRead += 1
            var batch = try read(reader, group, file)
            statistics.rowsRead += batch.rowCount
            if tracksPositions { positions = (0..<UInt64(batch.rowCount)).map { groupStarts[group] + $0 } }
            if !deleted.isEmpty, let keep = survivors(batch.rowCount, group: group) {
                batch = batch.take(keep)
                if tracksPositions { positions = keep.map { positions[$0] } }
            }
            if let predicate = plan.predicate {
                let rows = try predicate.select(batch)
                if rows.count != batch.rowCount {
                    batch = batch.take(rows)
                    if tracksPositions { positions = rows.map { positions[$0] } }
                }
            }
            if plan.readColumns.count != plan.columns.count {
                batch = RecordBatch(schema: schema, columns: Array(batch.columns.prefix(plan.columns.count)))
            }
            if batch.rowCount == 0 { continue }
            if batch.rowCount > remaining {
                batch = batch.slice(0..<remaining)
                if tracksPositions { positions = Array(positions.prefix(remaining)) }
            }
            remaining -= batch.rowCount
            rowsDelivered += batch.rowCount
            statistics.rowsReturned = rowsDelivered
            return batch
        }
        return nil
    }

    /// The rows of row group `group` (of `count` rows) of the open file that its deletion
    /// vector keeps; nil when it removes none of them.
    private func survivors(_ count: Int, group: Int) -> [Int]? {
        let start = groupStarts[group], end = start + UInt64(count)
        // The vector's positions in this row group (the vector is sorted).
        var lo = 0, hi = deleted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if deleted[mid] < start { lo = mid + 1 } else { hi = mid }
        }
        guard lo < deleted.count, deleted[lo] < end else { return nil }
        var keep: [Int] = []
        keep.reserveCapacity(count)
        for row in 0..<count {
            if lo < deleted.count && deleted[lo] == start + UInt64(row) { lo += 1; continue }
            keep.append(row)
        }
        return keep
    }

    /// Bounds of a top-level primitive column in a row group, from Parquet statistics.
    private func rowGroupBounds(_ reader: ParquetReader, _ group: Int, _ column: String) -> ColumnBounds? {
        guard let field = plan.snapshot.schema.fields.first(where: { $0.name == column }),
              let stored = mapping.fileField(for: field, in: reader.schema.schema.fields),
              let leaf = reader.schema.leaves.firstIndex(where: { $0.path == [stored.name] }),
              reader.schema.leaves[leaf].type == field.type || Cast.sameShape(reader.schema.leaves[leaf].type, field.type),
              let stats = reader.statistics(rowGroup: group, leaf: leaf) else { return nil }
        var min = stats.min, max = stats.max
        if case .float(let f)? = min { min = .double(Double(f)) }
        if case .float(let f)? = max { max = .double(Double(f)) }
        return ColumnBounds(min: min, max: max, nullCount: stats.nullCount,
                            rowCount: Int(reader.metadata.rowGroups[group].numRows))
    }

    /// Each read column's field in the reader's file (by name, or under column mapping by
    /// physical name or field id), worked out once per file.
    private func storedFields(_ reader: ParquetReader) -> [Int: Field] {
        if let cached = storedFieldsCache, cached.reader === reader { return cached.fields }
        let fields = plan.snapshot.schema.fields, partitionColumns = Set(plan.snapshot.metadata.partitionColumns)
        let wanted = plan.readColumns.filter { !partitionColumns.contains(fields[$0].name) }
        var stored: [Int: Field] = [:]
        for (c, field) in zip(wanted, mapping.fileFields(for: wanted.map { fields[$0] }, in: reader.schema.schema)) {
            stored[c] = field
        }
        storedFieldsCache = (reader, stored)
        return stored
    }

    private var storedFieldsCache: (reader: ParquetReader, fields: [Int: Field])?

    private func read(_ reader: ParquetReader, _ group: Int, _ file: AddFile) throws -> RecordBatch {
        let fields = plan.snapshot.schema.fields
        let partitionColumns = plan.snapshot.metadata.partitionColumns
        let readColumns = plan.readColumns
        let stored = storedFields(reader)
        let fromFile = readColumns.filter { stored[$0] != nil }
        let batch = try reader.readRowGroup(group, columns: fromFile.map { stored[$0]!.name })
        let decoded = Set(fromFile.map { stored[$0]!.name })
        for (leaf, descriptor) in reader.schema.leaves.enumerated() where decoded.contains(descriptor.path[0]) {
            statistics.bytesRead += reader.metadata.rowGroups[group].columns[leaf].metaData?.totalCompressedSize ?? 0
        }
        let rows = Int(reader.metadata.rowGroups[group].numRows)
        let positionInFile = Dictionary(fromFile.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var out: [Column] = []
        for c in readColumns {
            let field = fields[c]
            if partitionColumns.contains(field.name) {
                let value = plan.snapshot.partitionValue(file, column: field.name) ?? nil
                out.append(try Partitioning.column(value, type: field.type, count: rows))
            } else if let k = positionInFile[c] {
                var column = batch.columns[k]
                // Nested fields as the file names them (physical names under column mapping).
                let fileType = mapping.fileType(field.type, stored: column.type)
                // Some writers store a table's timestamps without the UTC flag (or the
                // reverse); the values are microseconds either way, and the table's type rules.
                if (column.type == .timestampNTZ && field.type == .timestamp) || (column.type == .timestamp && field.type == .timestampNTZ) {
                    column.type = field.type
                }
                do {
                    let cast = try Cast.column(column, to: fileType)
                    out.append(Cast.renamed(cast, to: field.type))
                } catch {
                    throw DeltaError(.corrupt, "\(reader.path): column '\(field.name)' is \(column.type), the table says \(field.type)")
                }
            } else {
                // A column added after this file was written.
                out.append(try Column(field.type, Array(repeating: .null, count: rows)))
            }
        }
        return RecordBatch(schema: Schema(readColumns.map { fields[$0] }), columns: out)
    }
}
