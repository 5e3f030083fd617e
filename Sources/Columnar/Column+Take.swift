extension Column {
    /// The rows at `indices`, in that order, copied into a new column.
    public func take(_ indices: [Int]) -> Column {
        let validity = self.validity.map { v in Bitmap(indices.map { v[$0] }) }
        let storage: ColumnStorage
        switch self.storage {
        case .bool(let v): storage = .bool(indices.map { v[$0] })
        case .int8(let v): storage = .int8(indices.map { v[$0] })
        case .int16(let v): storage = .int16(indices.map { v[$0] })
        case .int32(let v): storage = .int32(indices.map { v[$0] })
        case .int64(let v): storage = .int64(indices.map { v[$0] })
        case .float32(let v): storage = .float32(indices.map { v[$0] })
        case .float64(let v): storage = .float64(indices.map { v[$0] })
        case .int128(let v): storage = .int128(indices.map { v[$0] })
        case .bytes(let offsets, let bytes):
            var outOffsets = [0]
            outOffsets.reserveCapacity(indices.count + 1)
            var outBytes: [UInt8] = []
            for i in indices {
                outBytes += bytes[offsets[i]..<offsets[i + 1]]
                outOffsets.append(outBytes.count)
            }
            storage = .bytes(offsets: outOffsets, bytes: outBytes)
        case .structure(let children): storage = .structure(children.map { $0.take(indices) })
        case .list(let offsets, let child):
            var outOffsets = [0]
            var childRows: [Int] = []
            for i in indices {
                childRows += offsets[i]..<offsets[i + 1]
                outOffsets.append(childRows.count)
            }
            storage = .list(offsets: outOffsets, child: child.take(childRows))
        case .map(let offsets, let keys, let values):
            var outOffsets = [0]
            var entryRows: [Int] = []
            for i in indices {
                entryRows += offsets[i]..<offsets[i + 1]
                outOffsets.append(entryRows.count)
            }
            storage = .map(offsets: outOffsets, keys: keys.take(entryRows), values: values.take(entryRows))
        }
        return Column(type: type, count: indices.count, validity: validity, storage: storage)
    }
}

extension RecordBatch {
    /// The rows at `indices` of every column.
    public func take(_ indices: [Int]) -> RecordBatch {
        RecordBatch(schema: schema, columns: columns.map { $0.take(indices) })
    }
}
