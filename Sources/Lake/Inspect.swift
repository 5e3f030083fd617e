import Columnar
import Parquet

/// `lake inspect`: a Parquet file's schema, row groups and column chunks.
public struct ParquetInspection: Sendable {
    /// One column chunk of a row group.
    public struct Chunk: Sendable {
        /// The leaf's dotted path.
        public var path: String
        public var physicalType: String
        /// The lake type its values read as.
        public var type: String
        public var codec: String
        public var encodings: [String]
        public var compressedSize: Int64
        public var uncompressedSize: Int64
        public var numValues: Int64
        /// Whether the chunk has statistics, and what they say (bounds as JSON value text).
        public var hasStatistics: Bool
        public var nullCount: Int?
        public var minJSON: String?
        public var maxJSON: String?
    }

    public struct RowGroup: Sendable {
        public var numRows: Int64
        public var totalByteSize: Int64
        public var chunks: [Chunk]
    }

    public var file: String
    public var numRows: Int64
    public var createdBy: String?
    public var schema: Schema
    /// Columns whose type lake cannot read, and why.
    public var unsupportedColumns: [(name: String, reason: String)]
    public var rowGroups: [RowGroup]

    /// Reads `path`'s footer.
    public init(path: String) throws {
        let reader = try ParquetReader(path: path)
        let meta = reader.metadata
        file = path
        numRows = meta.numRows
        createdBy = meta.createdBy
        schema = reader.schema.schema
        unsupportedColumns = reader.schema.unsupportedColumns
        rowGroups = meta.rowGroups.indices.map { g in
            let group = meta.rowGroups[g]
            let chunks = group.columns.enumerated().map { c, chunk -> Chunk in
                let leaf = reader.schema.leaves[c]
                let m = chunk.metaData!
                let stats = reader.statistics(rowGroup: g, leaf: c)
                return Chunk(path: leaf.path.joined(separator: "."), physicalType: leaf.physicalType.description,
                             type: leaf.type.description, codec: m.codec.description,
                             encodings: m.encodings.map(\.description), compressedSize: m.totalCompressedSize,
                             uncompressedSize: m.totalUncompressedSize, numValues: m.numValues,
                             hasStatistics: stats != nil, nullCount: stats?.nullCount,
                             minJSON: stats?.min.map { ValueJSON.text($0, type: leaf.type) },
                             maxJSON: stats?.max.map { ValueJSON.text($0, type: leaf.type) })
            }
            return RowGroup(numRows: group.numRows, totalByteSize: group.totalByteSize, chunks: chunks)
        }
    }
}
