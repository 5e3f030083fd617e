import Columnar
import Parquet
import Query

/// The rows of one Parquet file: projected, filtered by a predicate (a file has no log
/// statistics to prune with), stopping at a limit.
public final class ParquetFileScan: BatchSource {
    public let schema: Schema
    private let reader: ParquetReader
    private let filter: Predicate?
    /// The columns decoded: the projection, then those only the predicate needs.
    private let decoded: [String]?
    private var remaining: Int
    private var nextGroup = 0
    public private(set) var rowsDelivered = 0

    /// A scan of `path`'s `columns` (all when nil) where `predicate` holds, at most `limit` rows.
    public init(path: String, columns: [String]?, predicate: String?, limit: Int?) throws {
        let reader = try ParquetReader(path: path)
        self.reader = reader
        schema = try reader.projectedSchema(columns)
        filter = try predicate.map { try Predicate(parsing: $0, schema: reader.schema.schema) }
        if let filter {
            let wanted = schema.fields.map(\.name)
            decoded = wanted + filter.columns.sorted().filter { !wanted.contains($0) }
        } else {
            decoded = columns
        }
        remaining = limit ?? .max
    }

    public var expectedRows: Int? { min(remaining + rowsDelivered, reader.rowCount) }

    public func next() throws -> RecordBatch? {
        while remaining > 0 && nextGroup < reader.rowGroupCount {
            var batch = try reader.readRowGroup(nextGroup, columns: decoded)
            nextGroup += 1
            if let filter {
                batch = batch.take(try filter.select(batch))
                batch = RecordBatch(schema: schema, columns: Array(batch.columns.prefix(schema.fields.count)))
            }
            if batch.rowCount == 0 { continue }
            if batch.rowCount > remaining { batch = batch.slice(0..<remaining) }
            remaining -= batch.rowCount
            rowsDelivered += batch.rowCount
            return batch
        }
        return nil
    }
}
