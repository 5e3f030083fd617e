import Columnar
import DeltaLog
import Parquet
import Query

/// Which version of a table to read.
public enum VersionSelector: Sendable {
    case latest
    case version(Int64)
    /// Milliseconds since the epoch.
    case asOf(Int64)
}

extension Warehouse {
    /// The snapshot a selector names; catches the catalog index up when reading the latest.
    public func snapshot(_ resolved: ResolvedTable, _ selector: VersionSelector) throws -> Snapshot {
        let listing = try resolved.table.listing()
        let snapshot: Snapshot
        switch selector {
        case .latest: snapshot = try resolved.table.snapshot(listing: listing)
        case .version(let v): snapshot = try resolved.table.snapshot(version: v, listing: listing)
        case .asOf(let t): snapshot = try resolved.table.snapshot(version: try resolved.table.version(asOf: t, listing: listing), listing: listing)
        }
        if let entry = resolved.entry, entry.version < listing.latestVersion! {
            try? CatalogIndex.catchUp(entry, table: resolved.table, catalog: catalog(),
                                      latest: snapshot.version == listing.latestVersion ? snapshot : nil)
        }
        return snapshot
    }
}

/// What a scan's pruning achieved (`--explain`).
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

/// The rows of one snapshot, file by file and row group by row group, as batches in the
/// order of the requested columns (partition columns filled from the file's partition values).
///
/// With a predicate, files are pruned by their partition values and skipped by the log's
/// statistics, row groups are skipped by Parquet statistics, only the columns needed are
/// decoded, and rows are filtered with SQL semantics.
public final class TableScan {
    public let snapshot: Snapshot
    /// The schema of the batches: the projected columns in the order asked for.
    public let schema: Schema
    public let predicate: Predicate?
    /// Columns returned, and the columns read (returned plus those the predicate needs).
    private let columns: [Int]
    private let readColumns: [Int]
    private var remaining: Int
    private var fileIndex = 0
    private var reader: ParquetReader?
    private var readerFile: AddFile?
    private var rowGroup = 0
    /// Rows delivered so far.
    public private(set) var delivered = 0
    public private(set) var statistics = ScanStatistics()

    /// A scan of `columns` (all when nil), filtered by `predicate` (text, bound here), stopping
    /// after `limit` rows.
    public init(snapshot: Snapshot, columns: [String]?, predicate text: String? = nil, limit: Int?) throws {
        self.snapshot = snapshot
        let fields = snapshot.schema.fields
        func index(_ name: String) throws -> Int {
            guard let i = fields.firstIndex(where: { $0.name == name })
                    ?? fields.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw LakeError(.invalidArgument, "no column '\(name)' (the table has: \(fields.map(\.name).joined(separator: ", ")))")
            }
            return i
        }
        self.columns = try columns.map { try $0.map(index) } ?? Array(fields.indices)
        schema = Schema(self.columns.map { fields[$0] })
        predicate = try text.map { try Predicate(parsing: $0, schema: snapshot.schema) }
        var read = self.columns
        for name in predicate?.columns.sorted() ?? [] where !read.contains(try index(name)) { read.append(try index(name)) }
        readColumns = read
        remaining = limit ?? .max
        statistics.filesTotal = snapshot.files.count
    }

    /// The next batch, or nil at the end.
    public func next() throws -> RecordBatch? {
        while remaining > 0 {
            if reader == nil {
                guard fileIndex < snapshot.files.count else { return nil }
                let file = snapshot.files[fileIndex]
                fileIndex += 1
                if let predicate {
                    if !snapshot.metadata.partitionColumns.isEmpty && !predicate.mightMatch({ self.partitionBounds(file, $0) }) {
                        statistics.filesPrunedByPartition += 1
                        continue
                    }
                    let stats = FileStatsView(file)
                    if !predicate.mightMatch({ self.partitionBounds(file, $0) ?? self.statsBounds(stats, $0) }) {
                        statistics.filesSkippedByStats += 1
                        continue
                    }
                }
                let path = try snapshot.absolutePath(of: file)
                do {
                    reader = try ParquetReader(path: path)
                } catch let error as ParquetError where error.kind == .notFound {
                    throw DeltaError(.notFound, "data file \(path) of version \(snapshot.version) is missing (deleted by a vacuum or by hand?)")
                }
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
            if let predicate, !predicate.mightMatch({ self.partitionBounds(file, $0) ?? self.rowGroupBounds(reader, group, $0) }) {
                statistics.rowGroupsSkipped += 1
                continue
            }
            statistics.rowGroupsRead += 1
            var batch = try read(reader, group, file)
            statistics.rowsRead += batch.rowCount
            if let predicate {
                let rows = try predicate.select(batch)
                if rows.count != batch.rowCount { batch = batch.take(rows) }
            }
            if readColumns.count != columns.count {
                batch = RecordBatch(schema: schema, columns: Array(batch.columns.prefix(columns.count)))
            }
            if batch.rowCount == 0 { continue }
            if batch.rowCount > remaining { batch = batch.slice(0..<remaining) }
            remaining -= batch.rowCount
            delivered += batch.rowCount
            statistics.rowsReturned = delivered
            return batch
        }
        return nil
    }

    // MARK: Bounds for pruning

    /// Bounds of a partition column in a file (its one value); nil for data columns.
    private func partitionBounds(_ file: AddFile, _ column: String) -> ColumnBounds? {
        guard snapshot.metadata.partitionColumns.contains(column),
              let field = snapshot.schema.fields.first(where: { $0.name == column }) else { return nil }
        let rows = file.numRecords.map(Int.init) ?? 1
        guard let text = file.partitionValues.first(where: { $0.0 == column })?.1 ?? nil else {
            return ColumnBounds(min: nil, max: nil, nullCount: rows, rowCount: rows)
        }
        guard let value = try? Partitioning.parse(text, type: field.type) else { return nil }
        return ColumnBounds(min: value, max: value, nullCount: 0, rowCount: rows)
    }

    /// Bounds of a data column from the file's statistics in the log.
    private func statsBounds(_ stats: FileStatsView, _ column: String) -> ColumnBounds? {
        guard let json = stats.json, let field = snapshot.schema.fields.first(where: { $0.name == column }) else { return nil }
        let rows = json["numRecords"]?.intValue.map(Int.init)
        let nulls = json["nullCount"]?[column]?.intValue.map(Int.init)
        let min = json["minValues"]?[column].flatMap { Self.statsValue($0, field.type) }
        var max = json["maxValues"]?[column].flatMap { Self.statsValue($0, field.type) }
        if case .int(let t)? = max, field.type == .timestamp || field.type == .timestampNTZ {
            // Writers that keep milliseconds round the maximum down: widen it to stay a bound.
            max = .int(t + 999)
        }
        return ColumnBounds(min: min, max: max, nullCount: nulls, rowCount: rows)
    }

    /// A statistics value as a bound of a column of `type`.
    static func statsValue(_ json: JSONValue, _ type: DataType) -> Value? {
        switch (type, json) {
        case (.byte, .number(let n)), (.short, .number(let n)), (.int, .number(let n)), (.long, .number(let n)):
            return Int64(n).map { Value.int($0) }
        case (.float, .number(let n)), (.double, .number(let n)):
            return Double(n).map { Value.double($0) }
        case (.decimal(_, let s), .number(let n)):
            return Partitioning.parseDecimal(n, scale: s).map { Value.decimal($0) }
        case (.string, .string(let t)):
            return .string(t)
        case (.date, .string(let t)):
            return ValueText.parseDate(Substring(t)).map { Value.int($0) }
        case (.timestamp, .string(let t)), (.timestampNTZ, .string(let t)):
            return ValueText.parseTimestamp(Substring(t)).map { Value.int($0.micros) }
        default:
            return nil
        }
    }

    /// Bounds of a top-level primitive column in a row group, from Parquet statistics.
    private func rowGroupBounds(_ reader: ParquetReader, _ group: Int, _ column: String) -> ColumnBounds? {
        guard let leaf = reader.schema.leaves.firstIndex(where: { $0.path == [column] }),
              let field = snapshot.schema.fields.first(where: { $0.name == column }),
              reader.schema.leaves[leaf].type == field.type || Cast.sameShape(reader.schema.leaves[leaf].type, field.type),
              let stats = reader.statistics(rowGroup: group, leaf: leaf) else { return nil }
        var min = stats.min, max = stats.max
        if case .float(let f)? = min { min = .double(Double(f)) }
        if case .float(let f)? = max { max = .double(Double(f)) }
        return ColumnBounds(min: min, max: max, nullCount: stats.nullCount,
                            rowCount: Int(reader.metadata.rowGroups[group].numRows))
    }

    private func read(_ reader: ParquetReader, _ group: Int, _ file: AddFile) throws -> RecordBatch {
        let fields = snapshot.schema.fields
        let partitionColumns = snapshot.metadata.partitionColumns
        let fileFields = reader.schema.schema.fields
        let fromFile = readColumns.filter { c in
            !partitionColumns.contains(fields[c].name) && fileFields.contains { $0.name == fields[c].name }
        }
        let batch = try reader.readRowGroup(group, columns: fromFile.map { fields[$0].name })
        let decoded = Set(fromFile.map { fields[$0].name })
        for (leaf, descriptor) in reader.schema.leaves.enumerated() where decoded.contains(descriptor.path[0]) {
            statistics.bytesRead += reader.metadata.rowGroups[group].columns[leaf].metaData?.totalCompressedSize ?? 0
        }
        let rows = Int(reader.metadata.rowGroups[group].numRows)
        var out: [Column] = []
        for c in readColumns {
            let field = fields[c]
            if partitionColumns.contains(field.name) {
                let value = file.partitionValues.first { $0.0 == field.name }?.1 ?? nil
                out.append(try Partitioning.column(value, type: field.type, count: rows))
            } else if let k = fromFile.firstIndex(of: c) {
                var column = batch.columns[k]
                // Some writers store a table's timestamps without the UTC flag (or the
                // reverse); the values are microseconds either way, and the table's type rules.
                if (column.type == .timestampNTZ && field.type == .timestamp) || (column.type == .timestamp && field.type == .timestampNTZ) {
                    column.type = field.type
                }
                do {
                    out.append(try Cast.column(column, to: field.type))
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

/// A file's statistics JSON, parsed once and only when asked for.
final class FileStatsView {
    private let text: String?
    private var parsed: JSONValue??

    init(_ file: AddFile) { text = file.stats }

    var json: JSONValue? {
        if let parsed { return parsed }
        let value = text.flatMap { try? JSONValue.parse($0) }
        parsed = .some(value)
        return value
    }
}

/// Row counts without reading data where possible.
extension Warehouse {
    /// The number of rows in a snapshot: from the log's statistics when every file has them,
    /// else from the data files' footers (no data pages are read).
    public func count(_ snapshot: Snapshot) throws -> Int64 {
        if let n = snapshot.statsRowCount { return n }
        var total: Int64 = 0
        for file in snapshot.files {
            if let n = file.numRecords { total += n; continue }
            let path = try snapshot.absolutePath(of: file)
            do {
                total += Int64(try ParquetReader(path: path).rowCount)
            } catch let error as ParquetError where error.kind == .notFound {
                throw DeltaError(.notFound, "data file \(path) of version \(snapshot.version) is missing (deleted by a vacuum or by hand?)")
            }
        }
        return total
    }

    /// The rows matching `predicate`: from partition values and statistics alone when the
    /// predicate reads only partition columns, else by scanning just the columns it needs.
    public func count(_ snapshot: Snapshot, where predicate: String) throws -> (count: Int64, statistics: ScanStatistics) {
        let bound = try Predicate(parsing: predicate, schema: snapshot.schema)
        let partitionColumns = Set(snapshot.metadata.partitionColumns)
        if bound.columns.isSubset(of: partitionColumns), snapshot.files.allSatisfy({ $0.numRecords != nil }) {
            var total: Int64 = 0
            var stats = ScanStatistics()
            stats.filesTotal = snapshot.files.count
            let fields = snapshot.schema.fields.filter { partitionColumns.contains($0.name) }
            for file in snapshot.files {
                let columns = try fields.map { f in
                    try Partitioning.column(file.partitionValues.first { $0.0 == f.name }?.1 ?? nil, type: f.type, count: 1)
                }
                let row = RecordBatch(schema: Schema(fields), columns: columns)
                if try !bound.select(row, rowCount: 1).isEmpty { total += file.numRecords! } else { stats.filesPrunedByPartition += 1 }
            }
            return (total, stats)
        }
        let needed = bound.columns.isEmpty ? [snapshot.schema.fields[0].name] : bound.columns.sorted()
        let scan = try TableScan(snapshot: snapshot, columns: needed, predicate: predicate, limit: nil)
        var total: Int64 = 0
        while let batch = try scan.next() { total += Int64(batch.rowCount) }
        return (total, scan.statistics)
    }
}
