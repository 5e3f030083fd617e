import Columnar
import DeltaLog
import Parquet
import Query

/// `lake count`: how many rows.
public struct CountResult: Sendable {
    public var table: String
    public var version: Int64
    public var count: Int64
}

extension Warehouse {
    /// The rows of `name` at `selector` (matching `predicate` when given).
    public func count(_ name: TableName, _ selector: VersionSelector, where predicate: String?) throws -> CountResult {
        let (resolved, snapshot) = try snapshot(of: name, selector)
        let n = try predicate.map { try count(snapshot, where: $0).count } ?? count(snapshot)
        return CountResult(table: resolved.displayName, version: snapshot.version, count: n)
    }

    /// The number of rows in a snapshot: from the log's statistics when every file has them,
    /// else from the data files' footers (no data pages are read).
    public func count(_ snapshot: Snapshot) throws -> Int64 {
        if let n = snapshot.statsRowCount { return n }
        var total: Int64 = 0
        for file in snapshot.files {
            if let n = file.liveRecords { total += n; continue }
            let path = try snapshot.readablePath(of: file)
            do {
                total += Int64(try ParquetReader(path: path).rowCount) - file.deletedRows
            } catch let error as ParquetError where error.kind == .notFound {
                throw snapshot.missingDataFile(path)
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
                    try Partitioning.column(snapshot.partitionValue(file, column: f.name) ?? nil, type: f.type, count: 1)
                }
                let row = RecordBatch(schema: Schema(fields), columns: columns)
                if try !bound.select(row, rowCount: 1).isEmpty { total += file.liveRecords! } else { stats.filesPrunedByPartition += 1 }
            }
            return (total, stats)
        }
        let needed = bound.columns.isEmpty ? [snapshot.schema.fields[0].name] : bound.columns.sorted()
        let scan = ScanExecutor(try ScanBuilder(snapshot).columns(needed).predicate(bound).build())
        // Read ahead on the stream's thread, whose large stack the predicate's evaluation
        // (recursive over the expression) gets, whatever the main thread's stack limit.
        let rows = RowStream(scan)
        var total: Int64 = 0
        while let batch = try rows.next() { total += Int64(batch.rowCount) }
        // The stream has ended: its thread no longer touches the scan.
        return (total, scan.statistics)
    }
}
