import Columnar
import Glibc
import LakeCore
import Parquet
import Query

/// Sorts a stream of batches by a ``SortKeyEncoder`` key in bounded memory.
///
/// Batches are held with their keys until they reach `memoryLimit` (estimated decoded
/// bytes); then the rows held are sorted and written as one sorted run, a Parquet file of the
/// batch's columns plus the key, next to the table's data (`directory`). ``finish(_:)``
/// sorts in memory when nothing was spilled, and otherwise merges the runs, reading one row
/// group of each at a time (runs are first merged in groups when there are too many to read
/// at once). Run files carry lake's temporary-file names, so an interrupt removes them, and
/// vacuum (or the stale-file sweep) removes those of a process that was killed.
final class ExternalSort {
    let schema: Schema
    let encoder: SortKeyEncoder
    let memoryLimit: Int
    private let directory: String
    private var held: [RecordBatch] = []
    private var heldKeys: [Column] = []
    private var heldBytes = 0
    private var runs: [String] = []
    private var runCounter = 0
    private let runID = SystemClock.uuid()
    /// Rows per output batch and per run row group.
    static let batchRows = 16_384
    /// The key column's name in a run file (never one of the batch's names).
    private let keyName: String

    /// How many runs were written (0 when everything fit in memory), merged runs included.
    var runsSpilled: Int { runCounter }
    /// How many runs were merges of other runs (too many to merge at once).
    private(set) var runsMerged = 0

    init(schema: Schema, encoder: SortKeyEncoder, memoryLimit: Int, directory: String) {
        self.schema = schema
        self.encoder = encoder
        self.memoryLimit = max(1 << 20, memoryLimit)
        self.directory = directory
        var name = "_lake_sort_key"
        while schema.index(of: name) != nil { name += "_" }
        keyName = name
    }

    deinit { removeRuns(runs) }

    /// Takes a batch of rows (in `schema`).
    func add(_ batch: RecordBatch) throws {
        guard batch.rowCount > 0 else { return }
        let keys = encoder.keys(batch)
        held.append(batch)
        heldKeys.append(keys)
        heldBytes += ParquetWriter.estimatedSize(batch) + ParquetWriter.estimatedSize(RecordBatch(schema: Schema([Field("k", .binary)]), columns: [keys]))
        if heldBytes >= memoryLimit { try spill() }
    }

    /// Hands every row to `emit` in key order, in batches of up to ``batchRows`` rows.
    func finish(_ emit: (RecordBatch) throws -> Void) throws {
        if runs.isEmpty {
            let order = sortedHeld()
            heldKeys = []  // the order is all the keys were for
            var start = 0
            while start < order.count {
                let end = min(order.count, start + Self.batchRows)
                try emit(RecordBatch.gather(held, Array(order[start..<end])))
                start = end
            }
            held = []
            heldKeys = []
            return
        }
        if !held.isEmpty { try spill() }
        // Each run being merged holds one row group: at most a quarter of the memory limit.
        let fanIn = max(2, memoryLimit / 4 / max(1, estimatedRowGroupBytes))
        while runs.count > fanIn {
            let group = Array(runs.prefix(fanIn))
            let merged = try writeRun { write in try merge(group) { try write($0.batch, $0.keys) } }
            runs.removeFirst(fanIn)
            runs.append(merged)
            runsMerged += 1
            removeRuns(group)
        }
        let last = runs
        try merge(last) { try emit($0.batch) }
        runs = []
        removeRuns(last)
    }

    /// The decoded size of one run row group, as last written.
    private var estimatedRowGroupBytes = 1 << 20

    /// The held rows in key order, as references into `held`. Keys of 8 bytes (Z-order) sort
    /// as integers; others are compared with `memcmp` in one contiguous buffer.
    private func sortedHeld() -> [RowRef] {
        let keys = heldKeys.map { column -> (offsets: [Int], bytes: [UInt8]) in
            guard case .bytes(let o, let b) = column.storage else { preconditionFailure("keys are binary") }
            return (o, b)
        }
        if keys.allSatisfy({ $0.bytes.count == ($0.offsets.count - 1) * 8 }) {
            // The key above, the row's place (batch, row) below: one integer comparison a step.
            var order: [UInt128] = []
            order.reserveCapacity(held.reduce(0) { $0 + $1.rowCount })
            for (b, key) in keys.enumerated() {
                key.bytes.withUnsafeBytes { raw in
                    for row in 0..<(key.offsets.count - 1) {
                        let word = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: row * 8, as: UInt64.self))
                        order.append(UInt128(word) << 64 | UInt128(b) << 32 | UInt128(row))
                    }
                }
            }
            order.sort()
            return order.map { RowRef(source: Int(truncatingIfNeeded: $0 >> 32), row: Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF)) }
        }
        var refs: [RowRef] = [], offsets = [0], bytes: [UInt8] = []
        for (b, key) in keys.enumerated() {
            let base = bytes.count
            bytes += key.bytes
            for i in 1..<key.offsets.count {
                offsets.append(base + key.offsets[i])
                refs.append(RowRef(source: b, row: i - 1))
            }
        }
        var order = (0..<Int32(truncatingIfNeeded: refs.count)).map { $0 }
        bytes.withUnsafeBufferPointer { keys in
            offsets.withUnsafeBufferPointer { offsets in
                let base = keys.baseAddress ?? UnsafePointer(bitPattern: 1)!
                order.sort { x, y in
                    let a = offsets[Int(x)], aEnd = offsets[Int(x) + 1], b = offsets[Int(y)], bEnd = offsets[Int(y) + 1]
                    return Self.less(base + a, aEnd - a, base + b, bEnd - b)
                }
            }
        }
        return order.map { refs[Int($0)] }
    }

    /// Bytewise order of two keys (a prefix first).
    @inline(__always)
    static func less(_ a: UnsafePointer<UInt8>, _ aCount: Int, _ b: UnsafePointer<UInt8>, _ bCount: Int) -> Bool {
        let order = memcmp(a, b, min(aCount, bCount))
        return order != 0 ? order < 0 : aCount < bCount
    }

    /// Writes the held rows as one sorted run.
    private func spill() throws {
        let order = sortedHeld()
        let path = try writeRun { write in
            var start = 0
            while start < order.count {
                let end = min(order.count, start + Self.batchRows)
                let refs = Array(order[start..<end])
                try write(RecordBatch.gather(held, refs), Column.gather(heldKeys, refs))
                start = end
            }
        }
        runs.append(path)
        held = []
        heldKeys = []
        heldBytes = 0
    }

    /// A new run file filled by `body` (batch and keys, in order); returns its path.
    private func writeRun(_ body: ((RecordBatch, Column) throws -> Void) throws -> Void) throws -> String {
        let path = TemporaryName.next(to: "\(directory)/lake-sort-\(runID)-\(runCounter).parquet", pid: getpid(),
                                      random: UInt64.random(in: 0...UInt64.max))
        runCounter += 1
        var options = ParquetWriter.Options()
        options.zstdLevel = 1
        options.rowGroupRows = Self.batchRows
        options.dictionaryEnabled = false
        options.createdBy = "lake sort run"
        let runSchema = Schema(schema.fields + [Field(keyName, .binary, nullable: false)])
        PendingFiles.shared.add(path)
        let writer = try ParquetWriter(path: path, schema: runSchema, options: options)
        do {
            try body { batch, keys in
                let rows = RecordBatch(schema: runSchema, columns: batch.columns + [keys])
                estimatedRowGroupBytes = max(estimatedRowGroupBytes, ParquetWriter.estimatedSize(rows))
                try writer.write(rows)
            }
            try writer.close()
        } catch {
            writer.abort()
            PendingFiles.shared.remove(path)
            throw error
        }
        return path
    }

    /// One sorted run being merged: its reader and the row group in hand, whose keys are
    /// copied where comparisons reach them without reference counting.
    private final class Cursor {
        let reader: ParquetReader
        var group = 0
        var batch: RecordBatch
        var keyColumn: Column
        var row = 0
        private(set) var keyBytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1)
        private(set) var keyOffsets = UnsafeMutableBufferPointer<Int>.allocate(capacity: 1)

        /// A cursor on the run's first rows; nil when it has none.
        static func open(_ path: String) throws -> Cursor? {
            let cursor = Cursor(try ParquetReader(path: path))
            return try cursor.load() ? cursor : nil
        }

        private init(_ reader: ParquetReader) {
            self.reader = reader
            batch = RecordBatch(schema: Schema([]), columns: [])
            keyColumn = Column(type: .binary, count: 0, storage: .bytes(offsets: [0], bytes: []))
        }

        deinit {
            keyBytes.deallocate()
            keyOffsets.deallocate()
        }

        /// Reads the next row group; false at the end of the run (the last one stays in hand).
        func load() throws -> Bool {
            while group < reader.rowGroupCount {
                let read = try reader.readRowGroup(group)
                group += 1
                guard read.rowCount > 0 else { continue }
                keyColumn = read.columns[read.columns.count - 1]
                guard case .bytes(let o, let b) = keyColumn.storage else {
                    throw LakeError(.runtime, "the sort run \(reader.path) has no key column")
                }
                keyBytes.deallocate()
                keyOffsets.deallocate()
                keyBytes = .allocate(capacity: max(1, b.count))
                _ = keyBytes.initialize(from: b)
                keyOffsets = .allocate(capacity: o.count)
                _ = keyOffsets.initialize(from: o)
                batch = RecordBatch(schema: Schema(Array(read.schema.fields.dropLast())), columns: Array(read.columns.dropLast()))
                row = 0
                return true
            }
            return false
        }

        var exhausted: Bool { row >= batch.rowCount }

        /// The current row's key.
        var key: KeyView {
            let start = keyOffsets[row]
            return KeyView(start: UnsafePointer(keyBytes.baseAddress!) + start, count: keyOffsets[row + 1] - start)
        }
    }

    /// A key's bytes, valid until its cursor loads the next row group.
    private struct KeyView {
        let start: UnsafePointer<UInt8>
        let count: Int
    }

    /// Merges `paths` (sorted runs) and hands the rows to `emit` in key order, with their keys.
    private func merge(_ paths: [String], _ emit: ((batch: RecordBatch, keys: Column)) throws -> Void) throws {
        let cursors = try paths.compactMap { try Cursor.open($0) }
        // Each cursor's current key, refreshed whenever it moves.
        var heads = cursors.map(\.key)
        var heap = MinHeap(Array(cursors.indices)) { i, j in
            Self.less(heads[i].start, heads[i].count, heads[j].start, heads[j].count)
        }
        var picks: [RowRef] = []
        func flush() throws {
            guard !picks.isEmpty else { return }
            let rows = RecordBatch(schema: schema, columns: RecordBatch.gather(cursors.map(\.batch), picks).columns)
            try emit((rows, Column.gather(cursors.map(\.keyColumn), picks)))
            picks.removeAll(keepingCapacity: true)
        }
        while let top = heap.first {
            let cursor = cursors[top]
            picks.append(RowRef(source: top, row: cursor.row))
            cursor.row += 1
            if cursor.exhausted {
                // The picks refer to this row group: write them out before reading the next.
                try flush()
                if try cursor.load() {
                    heads[top] = cursor.key
                    heap.siftDownFirst()
                } else {
                    heap.removeFirst()
                }
            } else {
                heads[top] = cursor.key
                heap.siftDownFirst()
                if picks.count >= Self.batchRows { try flush() }
            }
        }
        try flush()
    }

    private func removeRuns(_ paths: [String]) {
        for path in paths {
            unlink(path)
            PendingFiles.shared.remove(path)
        }
    }
}

/// A binary min-heap of small integers ordered by a caller's comparison that may change as
/// the top's item advances (``siftDownFirst()`` restores the order).
private struct MinHeap {
    private var items: [Int]
    private let less: (Int, Int) -> Bool

    init(_ items: [Int], less: @escaping (Int, Int) -> Bool) {
        self.items = []
        self.less = less
        for item in items { push(item) }
    }

    var first: Int? { items.first }

    mutating func push(_ item: Int) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() {
        items.swapAt(0, items.count - 1)
        items.removeLast()
        siftDownFirst()
    }

    mutating func siftDownFirst() {
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && less(items[left], items[smallest]) { smallest = left }
            if right < items.count && less(items[right], items[smallest]) { smallest = right }
            guard smallest != parent else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
