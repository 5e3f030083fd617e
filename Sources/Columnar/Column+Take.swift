/// One row of one of several columns (or batches) with the same type: `source` picks the
/// column, `row` the row in it.
public struct RowRef: Hashable, Sendable {
    public var source: Int32
    public var row: Int32

    @inline(__always)
    public init(source: Int, row: Int) {
        self.source = Int32(truncatingIfNeeded: source)
        self.row = Int32(truncatingIfNeeded: row)
    }
}

extension Column {
    /// The rows at `indices`, in that order, copied into a new column.
    public func take(_ indices: [Int]) -> Column {
        Column.gathering([self], OneSource(rows: indices))
    }

    /// The rows `rows` of `sources` (columns of one type), in that order, copied into a new
    /// column: how a merge of sorted runs assembles its output without concatenating them.
    public static func gather(_ sources: [Column], _ rows: [RowRef]) -> Column {
        precondition(!sources.isEmpty, "gather needs a source")
        return gathering(sources, ManySources(refs: rows))
    }

    private static func gathering<P: RowPicks>(_ sources: [Column], _ picks: P) -> Column {
        let type = sources[0].type
        var validity: Bitmap?
        if sources.contains(where: { $0.validity != nil }) {
            var bits = Bitmap(repeating: false, count: picks.count)
            let masks = sources.map(\.validity)
            for i in 0..<picks.count {
                let (source, row) = picks.pick(i)
                if masks[source].map({ $0[row] }) ?? true { bits[i] = true }
            }
            validity = bits
        }
        let storage: ColumnStorage
        switch sources[0].storage {
        case .bool: storage = .bool(fixed(sources, picks) { if case .bool(let v) = $0 { v } else { nil } })
        case .int8: storage = .int8(fixed(sources, picks) { if case .int8(let v) = $0 { v } else { nil } })
        case .int16: storage = .int16(fixed(sources, picks) { if case .int16(let v) = $0 { v } else { nil } })
        case .int32: storage = .int32(fixed(sources, picks) { if case .int32(let v) = $0 { v } else { nil } })
        case .int64: storage = .int64(fixed(sources, picks) { if case .int64(let v) = $0 { v } else { nil } })
        case .float32: storage = .float32(fixed(sources, picks) { if case .float32(let v) = $0 { v } else { nil } })
        case .float64: storage = .float64(fixed(sources, picks) { if case .float64(let v) = $0 { v } else { nil } })
        case .int128: storage = .int128(fixed(sources, picks) { if case .int128(let v) = $0 { v } else { nil } })
        case .bytes:
            let parts = sources.map { column -> (offsets: [Int], bytes: [UInt8]) in
                guard case .bytes(let o, let b) = column.storage else { preconditionFailure("gather of mixed storage") }
                return (o, b)
            }
            var outOffsets = [0]
            outOffsets.reserveCapacity(picks.count + 1)
            var outBytes: [UInt8] = []
            for i in 0..<picks.count {
                let (source, row) = picks.pick(i)
                let part = parts[source]
                outBytes += part.bytes[part.offsets[row]..<part.offsets[row + 1]]
                outOffsets.append(outBytes.count)
            }
            storage = .bytes(offsets: outOffsets, bytes: outBytes)
        case .structure(let first):
            let children = sources.map { column -> [Column] in
                guard case .structure(let c) = column.storage else { preconditionFailure("gather of mixed storage") }
                return c
            }
            storage = .structure(first.indices.map { field in gathering(children.map { $0[field] }, picks) })
        case .list:
            let parts = sources.map { column -> (offsets: [Int], child: Column) in
                guard case .list(let o, let c) = column.storage else { preconditionFailure("gather of mixed storage") }
                return (o, c)
            }
            let (offsets, childPicks) = expand(picks) { parts[$0].offsets }
            storage = .list(offsets: offsets, child: gathering(parts.map(\.child), childPicks))
        case .map:
            let parts = sources.map { column -> (offsets: [Int], keys: Column, values: Column) in
                guard case .map(let o, let k, let v) = column.storage else { preconditionFailure("gather of mixed storage") }
                return (o, k, v)
            }
            let (offsets, entryPicks) = expand(picks) { parts[$0].offsets }
            storage = .map(offsets: offsets, keys: gathering(parts.map(\.keys), entryPicks),
                           values: gathering(parts.map(\.values), entryPicks))
        }
        return Column(type: type, count: picks.count, validity: validity, storage: storage)
    }

    /// The picked values of fixed-width buffers.
    @inline(__always)
    private static func fixed<T, P: RowPicks>(_ sources: [Column], _ picks: P, _ values: (ColumnStorage) -> [T]?) -> [T] {
        let arrays = sources.map { values($0.storage)! }
        if arrays.count == 1 {
            let only = arrays[0]
            return (0..<picks.count).map { only[picks.pick($0).row] }
        }
        return (0..<picks.count).map { i in
            let (source, row) = picks.pick(i)
            return arrays[source][row]
        }
    }

    /// The offsets of the picked lists (or maps) and the picks of their child rows.
    private static func expand<P: RowPicks>(_ picks: P, _ offsets: (Int) -> [Int]) -> ([Int], P) {
        var outOffsets = [0]
        outOffsets.reserveCapacity(picks.count + 1)
        var children = P.empty
        for i in 0..<picks.count {
            let (source, row) = picks.pick(i)
            let o = offsets(source)
            children.append(source: source, rows: o[row]..<o[row + 1])
            outOffsets.append(children.count)
        }
        return (outOffsets, children)
    }
}

/// The rows a gather copies, in order: one source's indices or references into several.
private protocol RowPicks {
    static var empty: Self { get }
    var count: Int { get }
    func pick(_ i: Int) -> (source: Int, row: Int)
    mutating func append(source: Int, rows: Range<Int>)
}

private struct OneSource: RowPicks {
    var rows: [Int]
    static var empty: OneSource { OneSource(rows: []) }
    var count: Int { rows.count }
    @inline(__always) func pick(_ i: Int) -> (source: Int, row: Int) { (0, rows[i]) }
    mutating func append(source: Int, rows more: Range<Int>) { rows += more }
}

private struct ManySources: RowPicks {
    var refs: [RowRef]
    static var empty: ManySources { ManySources(refs: []) }
    var count: Int { refs.count }
    @inline(__always) func pick(_ i: Int) -> (source: Int, row: Int) {
        let ref = refs[i]
        return (Int(ref.source), Int(ref.row))
    }
    mutating func append(source: Int, rows: Range<Int>) {
        for row in rows { refs.append(RowRef(source: source, row: row)) }
    }
}

extension RecordBatch {
    /// The rows at `indices` of every column.
    public func take(_ indices: [Int]) -> RecordBatch {
        RecordBatch(schema: schema, columns: columns.map { $0.take(indices) })
    }

    /// The rows `rows` of `sources` (batches of one schema), in that order, as one batch.
    public static func gather(_ sources: [RecordBatch], _ rows: [RowRef]) -> RecordBatch {
        precondition(!sources.isEmpty, "gather needs a source")
        return RecordBatch(schema: sources[0].schema, columns: sources[0].columns.indices.map { column in
            Column.gather(sources.map { $0.columns[column] }, rows)
        })
    }
}
