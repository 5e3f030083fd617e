import Columnar

/// The levels and dense values of one leaf column for a row group, ready to be paged.
struct LeafChunk: Sendable {
    /// Definition levels, one per entry; empty when the leaf's max definition level is 0.
    var definitionLevels: [UInt8] = []
    /// Repetition levels, one per entry; empty when the leaf's max repetition level is 0.
    var repetitionLevels: [UInt8] = []
    /// The non-null values.
    var values: LeafValues
    /// Number of entries (values plus nulls and empty lists).
    var entryCount = 0
}

/// Dremel shredding: turns columns into per-leaf repetition/definition levels and values.
///
/// Flat columns take a fast path (levels are the validity mask, values a filtered copy);
/// nested columns are walked value by value.
struct Shredder {
    private var chunks: [LeafChunk]
    /// Per leaf, the values of each appended column, joined once in ``finish()``.
    private var valueParts: [[LeafValues]]
    private let leaves: [LeafDescriptor]
    // Per leaf, while walking nested values: the column holding the leaf's values and the
    // indices into it of the present values.
    private var leafColumns: [Column?]
    private var leafIndices: [[Int]]

    /// The first leaf this shredder holds chunks for: per-leaf state is indexed from it.
    private let base: Int

    /// A shredder of the top-level column whose leaves are `range` (contiguous, depth first)
    /// of `leaves`: state for those leaves alone, so a row group of many columns costs one
    /// leaf's state per leaf, not every leaf's per column.
    init(leaves: [LeafDescriptor], range: Range<Int>) {
        self.leaves = leaves
        base = range.lowerBound
        chunks = leaves[range].map { LeafChunk(values: .empty($0.physicalType, width: $0.typeLength)) }
        valueParts = Array(repeating: [], count: range.count)
        leafColumns = Array(repeating: nil, count: range.count)
        leafIndices = Array(repeating: [], count: range.count)
    }

    /// Shreds `column` (of the top-level field described by `node`) and appends to the chunks.
    mutating func append(_ column: Column, node: SchemaNode) throws {
        if case .leaf(let info, let leaf) = node {
            let descriptor = leaves[leaf]
            if info.optional {
                if let validity = column.validity {
                    var levels = [UInt8](repeating: 0, count: column.count)
                    for i in 0..<column.count where validity[i] { levels[i] = 1 }
                    chunks[leaf - base].definitionLevels += levels
                } else {
                    chunks[leaf - base].definitionLevels += repeatElement(1, count: column.count)
                }
            } else if column.nullCount > 0 {
                throw ParquetError(.invalidArgument, "column '\(info.name)' is not nullable but holds \(column.nullCount) nulls")
            }
            valueParts[leaf - base].append(try Self.physicalValues(column, rows: nil, descriptor))
            chunks[leaf - base].entryCount += column.count
            return
        }
        for row in 0..<column.count {
            try visit(node, column, row, def: 0, rep: 0)
        }
        for leaf in node.leaves {
            let indices = leafIndices[leaf - base]
            if let column = leafColumns[leaf - base], !indices.isEmpty {
                valueParts[leaf - base].append(try Self.physicalValues(column, rows: indices, leaves[leaf]))
            }
            leafIndices[leaf - base] = []
            leafColumns[leaf - base] = nil
        }
    }

    /// The chunk of `leaf` with everything appended so far.
    func chunk(_ leaf: Int) -> LeafChunk {
        var c = chunks[leaf - base]
        let d = leaves[leaf]
        if !valueParts[leaf - base].isEmpty {
            c.values = LeafValues.concatenate(valueParts[leaf - base], type: d.physicalType, width: d.typeLength)
        }
        return c
    }

    private mutating func emitAbsent(_ node: SchemaNode, def: Int, rep: Int) {
        for leaf in node.leaves {
            if leaves[leaf].maxDefinitionLevel > 0 { chunks[leaf - base].definitionLevels.append(UInt8(def)) }
            if leaves[leaf].maxRepetitionLevel > 0 { chunks[leaf - base].repetitionLevels.append(UInt8(rep)) }
            chunks[leaf - base].entryCount += 1
        }
    }

    private mutating func visit(_ node: SchemaNode, _ column: Column, _ row: Int, def: Int, rep: Int) throws {
        let info = node.info
        if column.isNull(row) {
            guard info.optional else {
                throw ParquetError(.invalidArgument, "'\(info.name)' is not nullable but holds a null")
            }
            emitAbsent(node, def: def, rep: rep)
            return
        }
        let defined = info.definedAt
        switch (node, column.storage) {
        case (.leaf(_, let leaf), _):
            if leaves[leaf].maxDefinitionLevel > 0 { chunks[leaf - base].definitionLevels.append(UInt8(defined)) }
            if leaves[leaf].maxRepetitionLevel > 0 { chunks[leaf - base].repetitionLevels.append(UInt8(rep)) }
            chunks[leaf - base].entryCount += 1
            leafColumns[leaf - base] = column
            leafIndices[leaf - base].append(row)
        case (.structure(_, let children), .structure(let columns)):
            for (child, childColumn) in zip(children, columns) {
                try visit(child, childColumn, row, def: defined, rep: rep)
            }
        case (.list(_, let elementDef, let elementRep, let element), .list(let offsets, let child)):
            let range = offsets[row]..<offsets[row + 1]
            if range.isEmpty {
                emitAbsent(element, def: defined, rep: rep)
            }
            for k in range {
                try visit(element, child, k, def: elementDef, rep: k == range.lowerBound ? rep : elementRep)
            }
        case (.map(_, let entryDef, let entryRep, let keyNode, let valueNode), .map(let offsets, let keys, let values)):
            let range = offsets[row]..<offsets[row + 1]
            if range.isEmpty {
                emitAbsent(keyNode, def: defined, rep: rep)
                emitAbsent(valueNode, def: defined, rep: rep)
            }
            for k in range {
                let r = k == range.lowerBound ? rep : entryRep
                try visit(keyNode, keys, k, def: entryDef, rep: r)
                try visit(valueNode, values, k, def: entryDef, rep: r)
            }
        default:
            throw ParquetError(.invalidArgument, "column '\(info.name)' does not hold \(info.type) values")
        }
    }

    /// The values of `column` in the leaf's physical representation: the present rows (all
    /// non-null rows when `rows` is nil, else exactly `rows`).
    static func physicalValues(_ column: Column, rows: [Int]?, _ leaf: LeafDescriptor) throws -> LeafValues {
        func pick<T>(_ v: [T]) -> [T] {
            if let rows { return rows.map { v[$0] } }
            guard let validity = column.validity else { return v }
            var out: [T] = []
            out.reserveCapacity(validity.setCount)
            for i in 0..<v.count where validity[i] { out.append(v[i]) }
            return out
        }
        switch column.storage {
        case .bool(let v): return .boolean(pick(v))
        case .int8(let v): return .int32(pick(v).map(Int32.init))
        case .int16(let v): return .int32(pick(v).map(Int32.init))
        case .int32(let v): return .int32(pick(v))
        case .int64(let v): return .int64(pick(v))
        case .float32(let v): return .float(pick(v))
        case .float64(let v): return .double(pick(v))
        case .int128(let v):
            guard case .decimal(let precision, _) = leaf.type else { break }
            let values = pick(v)
            let limit = Columnar.pow10(precision)
            for x in values where x >= limit || x <= -limit {
                throw ParquetError(.invalidArgument, "decimal value \(x) has more than \(precision) digits for column '\(leaf.path.joined(separator: "."))'")
            }
            switch leaf.physicalType {
            case .int32: return .int32(values.map { Int32(truncatingIfNeeded: $0) })
            case .int64: return .int64(values.map { Int64(truncatingIfNeeded: $0) })
            default:
                let width = leaf.typeLength
                var bytes = [UInt8](repeating: 0, count: values.count * width)
                for (i, x) in values.enumerated() {
                    var y = x
                    for b in stride(from: width - 1, through: 0, by: -1) {
                        bytes[i * width + b] = UInt8(truncatingIfNeeded: y)
                        y >>= 8
                    }
                }
                return .fixed(width: width, bytes: bytes)
            }
        case .bytes(let offsets, let bytes):
            if rows == nil && column.validity == nil { return .byteArray(offsets: offsets, bytes: bytes) }
            var outOffsets = [0]
            var outBytes: [UInt8] = []
            outBytes.reserveCapacity(bytes.count)
            func add(_ i: Int) {
                outBytes += bytes[offsets[i]..<offsets[i + 1]]
                outOffsets.append(outBytes.count)
            }
            if let rows {
                outOffsets.reserveCapacity(rows.count + 1)
                for i in rows { add(i) }
            } else if let validity = column.validity {
                outOffsets.reserveCapacity(column.count + 1)
                for i in 0..<column.count where validity[i] { add(i) }
            }
            return .byteArray(offsets: outOffsets, bytes: outBytes)
        case .structure, .list, .map:
            break
        }
        throw ParquetError(.invalidArgument, "column '\(leaf.path.joined(separator: "."))' does not hold \(leaf.type) values")
    }
}
