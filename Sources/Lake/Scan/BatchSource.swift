import Columnar

/// Something that yields batches of one schema until it returns nil: a table scan or a
/// Parquet file scan.
public protocol BatchSource: AnyObject {
    /// The schema of every batch.
    var schema: Schema { get }
    /// The next batch, or nil at the end.
    func next() throws -> RecordBatch?
    /// Rows returned so far.
    var rowsDelivered: Int { get }
    /// How many rows the source expects to return at most, when known (for progress).
    var expectedRows: Int? { get }
}
