import Columnar
import LakeCore
import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// Writes classic single-file Parquet checkpoints (PROTOCOL.md, "Checkpoints") and the
/// `_last_checkpoint` hint, with lake's own Parquet writer.
///
/// A checkpoint holds one action per row, each action type in its own nullable struct
/// column: protocol, metaData, live `add`s (stats as JSON text and typed, see
/// `AddLayout`), `remove`s up to a week past their retention (without stats), `txn`s and
/// live domain metadata. It is written under a temporary name
/// and linked into place only when no checkpoint of that version exists, so it never
/// replaces one; rows are built a batch at a time, so memory stays bounded.
public enum CheckpointWriter {
    static let stringMap = DataType.map(key: .string, value: .string, valueContainsNull: true)
    static let strings = DataType.array(element: .string, containsNull: false)

    /// The checkpoint's columns for `layout`, as Spark writes them (the fields lake's tables use).
    static func schema(_ layout: AddLayout) -> Schema {
        Schema([
            Field("txn", .struct([Field("appId", .string), Field("version", .long), Field("lastUpdated", .long)])),
            Field("add", .struct(layout.fields)),
            Field("remove", .struct([
                Field("path", .string), Field("deletionTimestamp", .long), Field("dataChange", .boolean),
                Field("extendedFileMetadata", .boolean), Field("partitionValues", stringMap), Field("size", .long),
            ] + (layout.deletionVectors ? [Field("deletionVector", AddLayout.deletionVectorType)] : []))),
            Field("metaData", .struct([
                Field("id", .string), Field("name", .string), Field("description", .string),
                Field("format", .struct([Field("provider", .string), Field("options", stringMap)])),
                Field("schemaString", .string), Field("partitionColumns", strings), Field("configuration", stringMap),
                Field("createdTime", .long),
            ])),
            Field("protocol", .struct([
                Field("minReaderVersion", .int), Field("minWriterVersion", .int),
                Field("readerFeatures", strings), Field("writerFeatures", strings),
            ])),
            Field("domainMetadata", .struct([Field("domain", .string), Field("configuration", .string), Field("removed", .boolean)])),
        ])
    }

    static let batchRows = 8192
    /// How long past `delta.deletedFileRetentionDuration` a checkpoint keeps a tombstone.
    static let tombstoneGraceMillis: Int64 = 7 * 86_400_000

    /// Checkpoints `snapshot` (whose commit must exist) into `table`'s log, then updates
    /// `_last_checkpoint` unless it names a newer one. Returns what was written; nil when a
    /// checkpoint of that version exists already. `now` dates tombstone expiry.
    public static func write(_ snapshot: Snapshot, table: DeltaTable, now: Int64 = SystemClock.nowMillis()) throws -> LastCheckpoint? {
        let storage = table.storage
        let final = table.logDirectory + "/" + String(snapshot.version).leftPadded(20) + ".checkpoint.parquet"
        if storage.exists(final) { return nil }
        let staging = TemporaryName.next(to: final, pid: getpid(), random: UInt64.random(in: 0...UInt64.max))
        PendingFiles.shared.add(staging)
        defer { PendingFiles.shared.remove(staging) }
        var options = ParquetWriter.Options()
        // Row groups of 16k actions: bounded memory for the writer and for readers of each group.
        options.rowGroupRows = 1 << 14
        let layout = AddLayout(snapshot)
        let schema = Self.schema(layout)
        let writer = try ParquetWriter(path: staging, schema: schema, options: options)
        // Tombstones stay a week past their retention (the protocol asks only for the unexpired
        // ones): a vacuum between full listings finds the files it may delete through them, even
        // after checkpoints. A retention lake cannot read keeps every tombstone: the safe side.
        let retention = (try? snapshot.deletedFileRetentionMillis()).map { $0 + Self.tombstoneGraceMillis } ?? .max
        var rows: [Value] = [], column: [Int] = [], actions: Int64 = 0
        func flush() throws {
            guard !rows.isEmpty else { return }
            var columns: [[Value]] = Array(repeating: Array(repeating: .null, count: rows.count), count: schema.fields.count)
            for (i, row) in rows.enumerated() { columns[column[i]][i] = row }
            try writer.write(RecordBatch(schema: schema, columns: try zip(schema.fields, columns).map { try Column($0.type, $1) }))
            actions += Int64(rows.count)
            rows.removeAll(keepingCapacity: true)
            column.removeAll(keepingCapacity: true)
        }
        func emit(_ c: Int, _ value: Value) throws {
            rows.append(value)
            column.append(c)
            if rows.count >= batchRows { try flush() }
        }
        do {
            try emit(4, protocolRow(snapshot.protocolAction))
            try emit(3, metadataRow(snapshot.metadata))
            for (appId, version) in snapshot.transactions.sorted(by: { $0.key < $1.key }) {
                try emit(0, .structure([.string(appId), .int(version), .null]))
            }
            for domain in snapshot.domains.values.sorted(by: { $0.domain < $1.domain }) {
                try emit(5, .structure([.string(domain.domain), .string(domain.configuration), .bool(false)]))
            }
            for add in snapshot.files { try emit(1, layout.row(add)) }
            for remove in snapshot.tombstones where retention == .max || (remove.deletionTimestamp ?? 0) > now - retention {
                try emit(2, removeRow(remove, layout))
            }
            try flush()
            try writer.close()
        } catch {
            writer.abort()
            try? storage.remove(staging)
            throw error
        }
        let size = storage.info(staging)?.size
        guard try storage.moveIfAbsent(staging, to: final) else { return nil }
        let hint = LastCheckpoint(version: snapshot.version, size: actions, sizeInBytes: size,
                                  numOfAddFiles: Int64(snapshot.files.count))
        try writeHint(hint, table: table)
        return hint
    }

    /// Writes `_last_checkpoint` unless the one there names a newer checkpoint.
    static func writeHint(_ hint: LastCheckpoint, table: DeltaTable) throws {
        let path = table.logDirectory + "/_last_checkpoint"
        if let bytes = try? table.storage.read(path), let existing = try? LastCheckpoint.parse(bytes ?? []),
           existing.version >= hint.version {
            return
        }
        try table.storage.replace(path, with: hint.serialized)
    }

    // MARK: Rows

    static func map(_ pairs: [(String, String?)]) -> Value {
        .map(pairs.map { (key: Value.string($0.0), value: $0.1.map(Value.string) ?? .null) })
    }

    static func removeRow(_ remove: RemoveFile, _ layout: AddLayout) -> Value {
        let partitionValues = remove.raw["partitionValues"].map { decodePartitionValues($0) }
        return .structure([.string(remove.path), remove.deletionTimestamp.map(Value.int) ?? .null, .bool(remove.dataChange),
                           remove.raw["extendedFileMetadata"]?.boolValue.map(Value.bool) ?? .null,
                           partitionValues.map(map) ?? .null, remove.size.map(Value.int) ?? .null]
                          + (layout.deletionVectors ? [AddLayout.deletionVector(remove.raw["deletionVector"])] : []))
    }

    static func metadataRow(_ m: Metadata) -> Value {
        let format = m.raw["format"]
        let options = format?["options"]?.objectValue.map { map($0.map { ($0.0, $0.1.stringValue) }) } ?? map([])
        return .structure([
            .string(m.id), m.name.map(Value.string) ?? .null, m.description.map(Value.string) ?? .null,
            .structure([.string(format?["provider"]?.stringValue ?? "parquet"), options]),
            .string(m.schemaString), .list(m.partitionColumns.map(Value.string)),
            map(m.configuration.map { ($0.0, $0.1) }), m.createdTime.map(Value.int) ?? .null,
        ])
    }

    static func protocolRow(_ p: ProtocolAction) -> Value {
        .structure([.int(Int64(p.minReaderVersion)), .int(Int64(p.minWriterVersion)),
                    p.readerFeatures.map { .list($0.map(Value.string)) } ?? .null,
                    p.writerFeatures.map { .list($0.map(Value.string)) } ?? .null])
    }
}
