import Columnar
import LakeCore

extension CheckpointReader {
    /// Reads `add` actions straight from a checkpoint's `add` struct column: the fields
    /// replay needs come from the typed child columns, without building a value or JSON
    /// tree per cell; only the rarer fields (tags, deletion vectors, fields newer than lake)
    /// go through the generic conversion, kept as the add's extra fields. `stats_parsed` is turned
    /// into JSON only when a row has no `stats` text.
    struct AddColumns {
        let fields: [Field]
        let children: [Column]
        let path: Int, partitionValues: Int?, size: Int?, modificationTime: Int?, dataChange: Int?
        let stats: Int?, statsParsed: Int?, partitionValuesParsed: Int?
        /// The fields kept in `raw` through the generic conversion.
        let others: [Int]

        init?(_ column: Column) {
            guard case .struct(let fields) = column.type, case .structure(let children) = column.storage else { return nil }
            func index(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }
            guard let path = index("path"), fields[path].type == .string else { return nil }
            self.fields = fields
            self.children = children
            self.path = path
            partitionValues = index("partitionValues")
            size = index("size").flatMap { fields[$0].type == .long ? $0 : nil }
            modificationTime = index("modificationTime").flatMap { fields[$0].type == .long ? $0 : nil }
            dataChange = index("dataChange").flatMap { fields[$0].type == .boolean ? $0 : nil }
            stats = index("stats").flatMap { fields[$0].type == .string ? $0 : nil }
            statsParsed = index("stats_parsed")
            partitionValuesParsed = index("partitionValues_parsed")
            let known = Set([path, partitionValues, size, modificationTime, dataChange, stats, statsParsed,
                             partitionValuesParsed].compactMap { $0 })
            others = fields.indices.filter { !known.contains($0) }
        }

        /// The add at `row` (the struct itself is not null there).
        func add(at row: Int) throws -> AddFile {
            guard let path = string(self.path, row) else { throw DeltaError(.corrupt, "add action without 'path'") }
            var partitions: PartitionValues = []
            if let c = partitionValues, !children[c].isNull(row) { partitions = stringMap(children[c], row) }
            var stats = self.stats.flatMap { string($0, row) }
            if stats == nil, let c = statsParsed, !children[c].isNull(row) {
                stats = json(children[c].value(at: row), fields[c].type).serialized()
            }
            var extra: [(String, JSONValue)] = []
            for c in others where !children[c].isNull(row) {
                extra.append((fields[c].name, json(children[c].value(at: row), fields[c].type)))
            }
            return AddFile(path: path, partitionValues: partitions, size: size.flatMap { long($0, row) } ?? 0,
                           modificationTime: modificationTime.flatMap { long($0, row) } ?? 0,
                           dataChange: dataChange.flatMap { bool($0, row) } ?? true, stats: stats, extra: extra)
        }

        private func string(_ c: Int, _ row: Int) -> String? {
            let column = children[c]
            guard !column.isNull(row), case .bytes(let offsets, let bytes) = column.storage else { return nil }
            return String(decoding: bytes[offsets[row]..<offsets[row + 1]], as: UTF8.self)
        }

        private func long(_ c: Int, _ row: Int) -> Int64? {
            let column = children[c]
            guard !column.isNull(row), case .int64(let values) = column.storage else { return nil }
            return values[row]
        }

        private func bool(_ c: Int, _ row: Int) -> Bool? {
            let column = children[c]
            guard !column.isNull(row), case .bool(let values) = column.storage else { return nil }
            return values[row]
        }

        /// A `map<string, string>` cell; an empty value is null, as in commit files.
        private func stringMap(_ column: Column, _ row: Int) -> PartitionValues {
            guard case .map(let offsets, let keys, let values) = column.storage,
                  case .bytes(let keyOffsets, let keyBytes) = keys.storage,
                  case .bytes(let valueOffsets, let valueBytes) = values.storage else {
                return decodePartitionValues(json(column.value(at: row), column.type))
            }
            var out: PartitionValues = []
            for i in offsets[row]..<offsets[row + 1] {
                let key = String(decoding: keyBytes[keyOffsets[i]..<keyOffsets[i + 1]], as: UTF8.self)
                let value = values.isNull(i) || valueOffsets[i] == valueOffsets[i + 1]
                    ? nil : String(decoding: valueBytes[valueOffsets[i]..<valueOffsets[i + 1]], as: UTF8.self)
                out.append((key, value))
            }
            return out
        }
    }
}
