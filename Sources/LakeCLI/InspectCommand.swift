import ArgumentParser
import Lake

/// `lake inspect FILE.parquet`: schema, row groups and column chunks of a Parquet file.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a Parquet file's schema, row groups and column chunks (codec, encodings, sizes, statistics)."
    )

    @Argument(help: "The Parquet file.")
    var file: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try runReportingErrors(global) { emit(global, try ParquetInspection(path: file)) }
    }
}

extension ParquetInspection: CommandOutput {
    var json: JSON {
        let schema = self.schema.fields.map { field in
            JSON.object(["name": .string(field.name), "type": .string(field.type.description), "nullable": .bool(field.nullable)])
        }
        let groups = rowGroups.map { group -> JSON in
            let columns = group.chunks.map { c -> JSON in
                let statistics: JSON = c.hasStatistics
                    ? .object(["null_count": c.nullCount.map { .int($0) } ?? .null,
                               "min": c.minJSON.map { .raw($0) } ?? .null, "max": c.maxJSON.map { .raw($0) } ?? .null])
                    : .null
                return JSON.object([
                    "path": .string(c.path), "physical_type": .string(c.physicalType), "type": .string(c.type),
                    "codec": .string(c.codec), "encodings": .array(c.encodings.map { .string($0) }),
                    "compressed_size": .int(Int(c.compressedSize)), "uncompressed_size": .int(Int(c.uncompressedSize)),
                    "num_values": .int(Int(c.numValues)), "statistics": statistics,
                ])
            }
            return JSON.object(["num_rows": .int(Int(group.numRows)), "total_byte_size": .int(Int(group.totalByteSize)),
                                "columns": .array(columns)])
        }
        return .object([
            "file": .string(file), "num_rows": .int(Int(numRows)), "created_by": createdBy.map { .string($0) } ?? .null,
            "schema": .array(schema),
            "unsupported_columns": .array(unsupportedColumns.map {
                JSON.object(["name": .string($0.name), "reason": .string($0.reason)])
            }),
            "row_groups": .array(groups),
        ])
    }

    var text: String {
        var out = "file: \(file)\n"
        out += "rows: \(numRows)  row groups: \(rowGroups.count)  created by: \(createdBy ?? "unknown")\n"
        out += "schema:\n"
        for field in schema.fields {
            out += "  \(field.name) \(field.type)\(field.nullable ? "" : " not null")\n"
        }
        for (name, reason) in unsupportedColumns {
            out += "  \(name) (cannot be read: \(reason))\n"
        }
        for (g, group) in rowGroups.enumerated() {
            out += "row group \(g): \(group.numRows) rows, \(group.totalByteSize) bytes uncompressed\n"
            for c in group.chunks {
                out += "  \(c.path): \(c.physicalType) \(c.codec)"
                out += " [\(c.encodings.joined(separator: ","))]"
                out += " \(c.compressedSize)/\(c.uncompressedSize) bytes, \(c.numValues) values"
                if c.hasStatistics {
                    if let n = c.nullCount { out += ", nulls \(n)" }
                    if let lo = c.minJSON, let hi = c.maxJSON { out += ", min \(lo), max \(hi)" }
                }
                out += "\n"
            }
        }
        return out
    }
}
