import Columnar
import DeltaLog

/// `lake describe`: a table's schema, partitioning, properties, protocol and size.
public struct TableDescription: Sendable {
    public var table: String
    public var location: String
    /// `managed` (lake owns the files), `external` (only named by the catalog), or `path`
    /// (named by its directory, not in the catalog).
    public var kind: String
    public var version: Int64
    public var schema: Schema
    public var partitionColumns: [String]
    public var properties: [(String, String)]
    public var minReaderVersion: Int
    public var minWriterVersion: Int
    public var readerFeatures: [String]?
    public var writerFeatures: [String]?
    public var files: Int
    /// Nil when neither the log nor the data files' footers can tell (files gone).
    public var rows: Int64?
    public var bytes: Int64
    public var comment: String?
    /// The table's `metaData.id`.
    public var id: String
    /// The application transactions (`txn`) recorded: each application's latest version.
    public var transactions: [(app: String, version: Int64)] = []
    /// The CHECK constraints (`delta.constraints.<name>`), by name.
    public var constraints: [(name: String, expression: String)] = []
}

/// `lake files`: the live data files of one version.
public struct DataFileListing: Sendable {
    public struct File: Sendable {
        /// Relative to the table root, decoded.
        public var path: String
        public var size: Int64
        public var rows: Int64?
        /// Serialized partition values; nil for a null value.
        public var partitionValues: [(String, String?)]
    }

    public var table: String
    public var version: Int64
    public var files: [File]
}

extension Warehouse {
    /// Describes `name` at `selector`.
    public func describe(_ name: TableName, _ selector: VersionSelector) throws -> TableDescription {
        let (resolved, s) = try snapshot(of: name, selector)
        let p = s.protocolAction
        // Rows need stats or readable footers; a table whose files are gone still describes.
        let kind = resolved.entry.map { $0.isManaged(in: self) ? "managed" : "external" } ?? "path"
        return TableDescription(table: resolved.displayName, location: s.root, kind: kind, version: s.version, schema: s.schema,
                                partitionColumns: s.metadata.partitionColumns, properties: s.metadata.configuration,
                                minReaderVersion: p.minReaderVersion, minWriterVersion: p.minWriterVersion,
                                readerFeatures: p.readerFeatures, writerFeatures: p.writerFeatures,
                                files: s.files.count, rows: try? count(s), bytes: s.totalBytes,
                                comment: s.metadata.description, id: s.metadata.id,
                                transactions: s.transactions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                constraints: TableConstraints.declared(s.metadata.configuration))
    }

    /// The live data files of `name` at `selector`.
    public func dataFiles(_ name: TableName, _ selector: VersionSelector) throws -> DataFileListing {
        let (resolved, s) = try snapshot(of: name, selector)
        return DataFileListing(table: resolved.displayName, version: s.version, files: s.files.map { f in
            DataFileListing.File(path: Partitioning.uriDecode(f.path), size: f.size, rows: f.numRecords,
                                 partitionValues: f.partitionValues)
        })
    }
}

/// RFC 3339 text (UTC, milliseconds when not whole seconds) of a millisecond timestamp.
public func formatTime(_ millis: Int64) -> String {
    DeltaTable.formatMillis(millis)
}
