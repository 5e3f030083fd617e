import Columnar
import Ingest

/// Rows on their way to an output: a ``BatchSource`` read one batch ahead on its own
/// thread, so decoding the next row group overlaps with formatting and writing this one.
public final class RowStream {
    public let schema: Schema
    /// How many rows the source expects to return at most, when known.
    public let expectedRows: Int?
    private let pipeline: BatchPipeline

    /// Reads `source` ahead; `progress` is called (on the reading thread) with the rows read
    /// so far after each batch.
    init(_ source: BatchSource, progress: (@Sendable (Int) -> Void)? = nil) {
        schema = source.schema
        expectedRows = source.expectedRows
        let handle = SourceHandle(source: source)
        pipeline = BatchPipeline(capacity: 2) { emit in
            while let batch = try handle.source.next() {
                try emit(batch)
                progress?(handle.source.rowsDelivered)
            }
        }
    }

    deinit { pipeline.cancel() }

    /// The next batch, or nil at the end.
    public func next() throws -> RecordBatch? { try pipeline.next() }
}

/// A source handed to the read-ahead thread, which alone calls it.
private struct SourceHandle: @unchecked Sendable {
    let source: BatchSource
}
