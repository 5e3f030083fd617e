import ArgumentParser
import Columnar
import Parquet

/// `lake inspect FILE.parquet`: schema, row groups and column chunks of a Parquet file.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a Parquet file's schema, row groups and column chunks (codec, encodings, sizes, statistics)."
    )

    @Argument(help: "The Parquet file.")
    var file: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) {
            let reader = try ParquetReader(path: file)
            if global.json {
                print(document(reader).serialized())
            } else {
                print(text(reader), terminator: "")
            }
        }
    }

    private func chunks(_ reader: ParquetReader, _ g: Int) -> [(LeafDescriptor, ColumnMetaData, ColumnStatistics?)] {
        reader.metadata.rowGroups[g].columns.enumerated().map { c, chunk in
            (reader.schema.leaves[c], chunk.metaData!, reader.statistics(rowGroup: g, leaf: c))
        }
    }

    private func document(_ reader: ParquetReader) -> JSON {
        let meta = reader.metadata
        let schema = reader.schema.schema.fields.map { field in
            JSON.object(["name": .string(field.name), "type": .string(field.type.description), "nullable": .bool(field.nullable)])
        }
        let groups = meta.rowGroups.indices.map { g -> JSON in
            let group = meta.rowGroups[g]
            let columns = chunks(reader, g).map { leaf, m, stats -> JSON in
                let statistics: JSON = stats.map { s in
                    JSON.object([
                        "null_count": s.nullCount.map { .int($0) } ?? .null,
                        "min": s.min.map { JSON.value($0, type: leaf.type) } ?? .null,
                        "max": s.max.map { JSON.value($0, type: leaf.type) } ?? .null,
                    ])
                } ?? .null
                return JSON.object([
                    "path": .string(leaf.path.joined(separator: ".")),
                    "physical_type": .string(leaf.physicalType.description),
                    "type": .string(leaf.type.description),
                    "codec": .string(m.codec.description),
                    "encodings": .array(m.encodings.map { .string($0.description) }),
                    "compressed_size": .int(Int(m.totalCompressedSize)),
                    "uncompressed_size": .int(Int(m.totalUncompressedSize)),
                    "num_values": .int(Int(m.numValues)),
                    "statistics": statistics,
                ])
            }
            return JSON.object([
                "num_rows": .int(Int(group.numRows)),
                "total_byte_size": .int(Int(group.totalByteSize)),
                "columns": .array(columns),
            ])
        }
        return .object([
            "file": .string(file),
            "num_rows": .int(Int(meta.numRows)),
            "created_by": meta.createdBy.map { .string($0) } ?? .null,
            "schema": .array(schema),
            "unsupported_columns": .array(reader.schema.unsupportedColumns.map {
                JSON.object(["name": .string($0.name), "reason": .string($0.reason)])
            }),
            "row_groups": .array(groups),
        ])
    }

    private func text(_ reader: ParquetReader) -> String {
        let meta = reader.metadata
        var out = "file: \(file)\n"
        out += "rows: \(meta.numRows)  row groups: \(meta.rowGroups.count)  created by: \(meta.createdBy ?? "unknown")\n"
        out += "schema:\n"
        for field in reader.schema.schema.fields {
            out += "  \(field.name) \(field.type)\(field.nullable ? "" : " not null")\n"
        }
        for (name, reason) in reader.schema.unsupportedColumns {
            out += "  \(name) (cannot be read: \(reason))\n"
        }
        for g in meta.rowGroups.indices {
            let group = meta.rowGroups[g]
            out += "row group \(g): \(group.numRows) rows, \(group.totalByteSize) bytes uncompressed\n"
            for (leaf, m, stats) in chunks(reader, g) {
                out += "  \(leaf.path.joined(separator: ".")): \(leaf.physicalType) \(m.codec)"
                out += " [\(m.encodings.map(\.description).joined(separator: ","))]"
                out += " \(m.totalCompressedSize)/\(m.totalUncompressedSize) bytes, \(m.numValues) values"
                if let s = stats {
                    if let n = s.nullCount { out += ", nulls \(n)" }
                    if let lo = s.min, let hi = s.max {
                        out += ", min \(JSON.value(lo, type: leaf.type).serialized()), max \(JSON.value(hi, type: leaf.type).serialized())"
                    }
                }
                out += "\n"
            }
        }
        return out
    }
}
