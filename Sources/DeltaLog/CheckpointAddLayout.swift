import Columnar
import LakeCore

extension CheckpointWriter {
    /// The `add` column of a checkpoint for one table, as Spark lays it out: the action's
    /// fields, `stats` as JSON text unless `delta.checkpoint.writeStatsAsJson` is false, and
    /// unless `delta.checkpoint.writeStatsAsStruct` is false, `stats_parsed` and (for a
    /// partitioned table) `partitionValues_parsed` typed by the table schema, so readers
    /// can skip files without parsing JSON.
    ///
    /// `stats_parsed` covers the columns that get statistics (`delta.dataSkippingStatsColumns`,
    /// else the first `delta.dataSkippingNumIndexedCols`): `minValues` and `maxValues` hold the
    /// columns whose types have bounds (numbers, decimals, strings, dates, timestamps; nested
    /// in structs), `nullCount` every one of them.
    struct AddLayout {
        let statsAsJSON: Bool
        /// The `stats_parsed` type; nil when not written (turned off, or no column has stats).
        let statsParsed: DataType?
        /// The partition fields of `partitionValues_parsed`; empty when not written.
        let partitionFields: [Field]
        let boundFields: [Field]
        let countFields: [Field]
        /// Whether adds and removes carry a `deletionVector` column (the table may have vectors).
        let deletionVectors: Bool

        /// `deletionVector` as Spark's checkpoints type it.
        static let deletionVectorType = DataType.struct([
            Field("storageType", .string), Field("pathOrInlineDv", .string), Field("offset", .int),
            Field("sizeInBytes", .int), Field("cardinality", .long),
        ])

        init(_ snapshot: Snapshot) {
            statsAsJSON = snapshot.property("delta.checkpoint.writeStatsAsJson")?.lowercased() != "false"
            let asStruct = snapshot.property("delta.checkpoint.writeStatsAsStruct")?.lowercased() != "false"
            let partitionColumns = Set(snapshot.metadata.partitionColumns)
            let indexed = FileStats.indexedColumns(snapshot.schema, properties: snapshot.property)
            // Statistics and partition values are keyed by physical names (column mapping).
            let mapping = snapshot.columnMapping
            let dataFields = snapshot.schema.fields.filter { indexed.contains($0.name) && !partitionColumns.contains($0.name) }
                .map(mapping.physicalField)
            boundFields = dataFields.compactMap(Self.boundField)
            countFields = dataFields.map(Self.countField)
            if asStruct && !countFields.isEmpty {
                var parts = [Field("numRecords", .long)]
                if !boundFields.isEmpty {
                    parts += [Field("minValues", .struct(boundFields)), Field("maxValues", .struct(boundFields))]
                }
                parts.append(Field("nullCount", .struct(countFields)))
                statsParsed = .struct(parts)
            } else {
                statsParsed = nil
            }
            partitionFields = asStruct ? snapshot.partitionFields.map(mapping.physicalField) : []
            deletionVectors = (snapshot.protocolAction.readerFeatures ?? []).contains("deletionVectors")
                || snapshot.files.contains(where: \.hasDeletionVector)
                || snapshot.tombstones.contains { $0.raw["deletionVector"].map { $0 != .null } ?? false }
        }

        /// A `deletionVector` descriptor as a checkpoint row value.
        static func deletionVector(_ json: JSONValue?) -> Value {
            guard let json, json != .null else { return .null }
            return .structure([json["storageType"]?.stringValue.map(Value.string) ?? .null,
                               json["pathOrInlineDv"]?.stringValue.map(Value.string) ?? .null,
                               json["offset"]?.intValue.map(Value.int) ?? .null,
                               json["sizeInBytes"]?.intValue.map(Value.int) ?? .null,
                               json["cardinality"]?.intValue.map(Value.int) ?? .null])
        }

        /// The fields of the `add` struct.
        var fields: [Field] {
            var fields = [Field("path", .string), Field("partitionValues", stringMap), Field("size", .long),
                          Field("modificationTime", .long), Field("dataChange", .boolean), Field("tags", stringMap)]
            if statsAsJSON { fields.append(Field("stats", .string)) }
            if let statsParsed { fields.append(Field("stats_parsed", statsParsed)) }
            if !partitionFields.isEmpty { fields.append(Field("partitionValues_parsed", .struct(partitionFields))) }
            if deletionVectors { fields.append(Field("deletionVector", Self.deletionVectorType)) }
            return fields
        }

        /// One `add` row.
        func row(_ add: AddFile) -> Value {
            var members: [Value] = [.string(add.path), map(add.partitionValues), .int(add.size), .int(add.modificationTime),
                                    .bool(add.dataChange), tags(add)]
            if statsAsJSON { members.append(add.stats.map(Value.string) ?? .null) }
            if statsParsed != nil { members.append(parsedStats(add)) }
            if !partitionFields.isEmpty {
                let values = Dictionary(add.partitionValues, uniquingKeysWith: { a, _ in a })
                members.append(.structure(partitionFields.map { field in
                    guard let text = values[field.name] ?? nil else { return .null }
                    return (try? Partitioning.parse(text, type: field.type)) ?? .null
                }))
            }
            if deletionVectors { members.append(Self.deletionVector(add.hasDeletionVector ? add[field: "deletionVector"] : nil)) }
            return .structure(members)
        }

        private func parsedStats(_ add: AddFile) -> Value {
            guard let stats = add.statistics else { return .null }
            var members: [Value] = [stats.numRecords.map(Value.int) ?? .null]
            if !boundFields.isEmpty {
                members.append(Self.values(stats.minValues, boundFields))
                members.append(Self.values(stats.maxValues, boundFields))
            }
            members.append(Self.values(stats.nullCount, countFields))
            return .structure(members)
        }

        /// A statistics object as a struct of `fields` (null members where it says nothing).
        static func values(_ json: JSONValue?, _ fields: [Field]) -> Value {
            guard let json, case .object = json else { return .null }
            return .structure(fields.map { field in
                guard let member = json[field.name] else { return .null }
                if case .struct(let children) = field.type { return values(member, children) }
                switch (field.type, FileStatistics.value(member, field.type)) {
                case (.float, .double(let d)?): return .float(Float(d))
                case (.long, _): return member.intValue.map(Value.int) ?? .null
                case (_, let value?): return value
                default: return .null
                }
            })
        }

        /// The `minValues`/`maxValues` field of a column; nil when its type has no bounds.
        static func boundField(_ field: Field) -> Field? {
            switch field.type {
            case .struct(let children):
                let bounded = children.compactMap(boundField)
                return bounded.isEmpty ? nil : Field(field.name, .struct(bounded))
            case .byte, .short, .int, .long, .float, .double, .decimal, .string, .date, .timestamp, .timestampNTZ:
                return Field(field.name, field.type)
            case .boolean, .binary, .array, .map:
                return nil
            }
        }

        /// The `nullCount` field of a column: a count, nested like the column's structs.
        static func countField(_ field: Field) -> Field {
            if case .struct(let children) = field.type { return Field(field.name, .struct(children.map(countField))) }
            return Field(field.name, .long)
        }

        private func tags(_ add: AddFile) -> Value {
            guard let members = add[field: "tags"]?.objectValue else { return .null }
            return map(members.map { ($0.0, $0.1.stringValue) })
        }
    }
}
