import Columnar
import DeltaLog
import Parquet

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

/// The rows of one snapshot, file by file and row group by row group, as batches in the
/// table's column order (partition columns filled from the file's partition values).
public final class TableScan {
    public let snapshot: Snapshot
    /// The schema of the batches: the projected columns in the order asked for.
    public let schema: Schema
    private let columns: [Int]
    private var remaining: Int
    private var fileIndex = 0
    private var reader: ParquetReader?
    private var readerFile: AddFile?
    private var rowGroup = 0
    /// Rows delivered so far.
    public private(set) var delivered = 0

    /// A scan of `columns` (all when nil) stopping after `limit` rows.
    public init(snapshot: Snapshot, columns: [String]?, limit: Int?) throws {
        self.snapshot = snapshot
        let fields = snapshot.schema.fields
        if let columns {
            self.columns = try columns.map { name in
                guard let i = fields.firstIndex(where: { $0.name == name }) else {
                    throw LakeError(.invalidArgument, "no column '\(name)' (the table has: \(fields.map(\.name).joined(separator: ", ")))")
                }
                return i
            }
        } else {
            self.columns = Array(fields.indices)
        }
        schema = Schema(self.columns.map { fields[$0] })
        remaining = limit ?? .max
    }

    /// The next batch, or nil at the end.
    public func next() throws -> RecordBatch? {
        while remaining > 0 {
            if reader == nil {
                guard fileIndex < snapshot.files.count else { return nil }
                let file = snapshot.files[fileIndex]
                fileIndex += 1
                let path = try snapshot.absolutePath(of: file)
                do {
                    reader = try ParquetReader(path: path)
                } catch let error as ParquetError where error.kind == .notFound {
                    throw DeltaError(.notFound, "data file \(path) of version \(snapshot.version) is missing (deleted by a vacuum or by hand?)")
                }
                readerFile = file
                rowGroup = 0
            }
            guard let reader, let file = readerFile else { continue }
            if rowGroup >= reader.rowGroupCount {
                self.reader = nil
                continue
            }
            var batch = try read(reader, rowGroup, file)
            rowGroup += 1
            if batch.rowCount == 0 { continue }
            if batch.rowCount > remaining { batch = batch.slice(0..<remaining) }
            remaining -= batch.rowCount
            delivered += batch.rowCount
            return batch
        }
        return nil
    }

    private func read(_ reader: ParquetReader, _ group: Int, _ file: AddFile) throws -> RecordBatch {
        let fields = snapshot.schema.fields
        let partitionColumns = snapshot.metadata.partitionColumns
        let fileFields = reader.schema.schema.fields
        let fromFile = columns.filter { c in
            !partitionColumns.contains(fields[c].name) && fileFields.contains { $0.name == fields[c].name }
        }
        let batch = try reader.readRowGroup(group, columns: fromFile.map { fields[$0].name })
        let rows = Int(reader.metadata.rowGroups[group].numRows)
        var out: [Column] = []
        for c in columns {
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
        return RecordBatch(schema: schema, columns: out)
    }
}

/// Row counts without reading data.
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
}
