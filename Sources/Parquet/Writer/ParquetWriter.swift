import Columnar
#if canImport(Glibc)
import Glibc
import LakeCore
#endif

/// Writes record batches into one Parquet file.
///
/// Batches are buffered until a row group is full (by rows or estimated bytes), then every
/// column of the row group is shredded, encoded and compressed in parallel and written out.
/// The file appears under its final name only when ``close()`` succeeds: until then it is a
/// hidden temporary sibling (`.<name>.<pid>.<random>.tmp`), removed by ``abort()``, by
/// any failure of ``write(_:)`` or ``close()`` (a failed writer is finished: the file is
/// abandoned), or when the writer is released unclosed. One that survives a crash is removed
/// by lake's next writer of the table once it is an hour old.
public final class ParquetWriter {
    /// How the file is written.
    public struct Options: Sendable {
        public var codec: CompressionCodec = .zstd
        public var zstdLevel: Int32 = 3
        /// A row group is closed when it reaches this many rows…
        public var rowGroupRows = 1 << 20
        /// …or about this many bytes of in-memory data.
        public var rowGroupBytes = 128 << 20
        /// Target uncompressed size of a data page.
        public var pageSize = 1 << 20
        /// A dictionary larger than this (PLAIN-encoded) falls back to PLAIN for the chunk.
        public var dictionaryPageSizeLimit = 1 << 20
        public var dictionaryEnabled = true
        /// The footer's `created_by`.
        public var createdBy = "lake version \(LakeVersion.current)"
        /// Extra key/value pairs for the footer.
        public var keyValueMetadata: [String: String] = [:]

        public init() {}
    }

    public let path: String
    public let schema: ParquetSchema
    public let options: Options
    /// Where the file is written until ``close()`` renames it to `path`; pending (removed on
    /// an interrupt) from before it is created until then.
    public let tempPath: String
    private var fd: Int32
    private var offset = 0
    private var pending: [RecordBatch] = []
    private var pendingRows = 0
    private var pendingBytes = 0
    private var rowGroups: [RowGroup] = []
    private var totalRows: Int64 = 0
    private var closed = false
    private let codecPool = CodecPool()

    /// Creates the writer; the file is created as a temporary sibling of `path`.
    public init(path: String, schema: Schema, options: Options = Options()) throws {
        self.path = path
        self.schema = try ParquetSchema(writing: schema)
        self.options = options
        tempPath = TemporaryName.next(to: path, pid: getpid(), random: UInt64(UInt32.random(in: 0...UInt32.max)))
        // Pending before it exists: an interrupt at any instant removes it.
        PendingFiles.shared.add(tempPath)
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            PendingFiles.shared.remove(tempPath)
            closed = true
            throw ParquetError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        do {
            try writeBytes(Array("PAR1".utf8))
        } catch {
            abort()
            throw error
        }
    }

    deinit {
        if !closed { abort() }
    }

    /// Adds rows; the batch's schema must equal the writer's.
    public func write(_ batch: RecordBatch) throws {
        guard !closed else { throw ParquetError(.invalidArgument, "the writer of \(path) is closed") }
        guard batch.schema == schema.schema else {
            throw ParquetError(.invalidArgument, "batch schema does not match the file schema")
        }
        do {
            try buffer(batch)
        } catch {
            abort()
            throw error
        }
    }

    private func buffer(_ batch: RecordBatch) throws {
        var start = 0
        while start < batch.rowCount {
            let room = options.rowGroupRows - pendingRows
            let take = min(room, batch.rowCount - start)
            let part = (start == 0 && take == batch.rowCount) ? batch : batch.slice(start..<start + take)
            pending.append(part)
            pendingRows += take
            pendingBytes += Self.estimatedSize(part)
            start += take
            if pendingRows >= options.rowGroupRows || pendingBytes >= options.rowGroupBytes {
                try flushRowGroup()
            }
        }
    }

    /// Writes the remaining rows and the footer, and moves the file to its final name.
    /// Returns the footer written.
    @discardableResult
    public func close() throws -> FileMetaData {
        guard !closed else { throw ParquetError(.invalidArgument, "the writer of \(path) is closed") }
        do {
            return try finish()
        } catch {
            abort()
            throw error
        }
    }

    private func finish() throws -> FileMetaData {
        if !pending.isEmpty || rowGroups.isEmpty { try flushRowGroup() }
        var meta = FileMetaData()
        meta.version = 1
        meta.schema = schema.elements
        meta.numRows = totalRows
        meta.rowGroups = rowGroups
        meta.createdBy = options.createdBy
        meta.keyValueMetadata = options.keyValueMetadata.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) }
        meta.columnOrders = Array(repeating: true, count: schema.leaves.count)
        var w = ThriftWriter()
        w.writeStruct { $0.write(meta) }
        let footer = w.bytes
        try writeBytes(footer)
        let length = UInt32(footer.count)
        try writeBytes((0..<4).map { UInt8(truncatingIfNeeded: length >> UInt32(8 * $0)) } + Array("PAR1".utf8))
        guard fsync(fd) == 0 else { throw ioError("sync") }
        Glibc.close(fd)
        fd = -1
        guard rename(tempPath, path) == 0 else { throw ioError("rename into place") }
        PendingFiles.shared.remove(tempPath)
        closed = true
        return meta
    }

    /// Abandons the file: nothing appears at `path`, the temporary file is removed. Does
    /// nothing once the writer is closed or abandoned.
    public func abort() {
        guard !closed else { return }
        if fd >= 0 { Glibc.close(fd); fd = -1 }
        unlink(tempPath)
        PendingFiles.shared.remove(tempPath)
        closed = true
    }

    private func ioError(_ what: String) -> ParquetError {
        ParquetError(.io, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }

    private func writeBytes(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ioError("write")
                }
                done += n
            }
        }
        offset += bytes.count
    }

    private func flushRowGroup() throws {
        let batches = pending
        let rows = pendingRows
        pending = []
        pendingRows = 0
        pendingBytes = 0

        // 1. Per top-level column (in parallel): shred, then plan each leaf chunk (statistics,
        //    dictionary, page boundaries).
        let roots = schema.roots
        let leaves = schema.leaves
        let encoder = ColumnChunkEncoder(options: options)
        let codecs = codecPool
        let plans = try parallelMap(roots.count) { c in
            let own = roots[c].leaves
            var shredder = Shredder(leaves: leaves, range: (own.first ?? 0)..<((own.last ?? -1) + 1))
            for batch in batches { try shredder.append(batch.columns[c], node: roots[c]) }
            return try codecs.with { codec in
                try roots[c].leaves.map { try encoder.plan(shredder.chunk($0), leaf: leaves[$0], codec: codec) }
            }
        }.flatMap { $0 }
        // 2. Every data page of every chunk (in parallel): levels, values, compression.
        let jobs = plans.indices.flatMap { p in plans[p].pages.indices.map { (p, $0) } }
        let encoded = try parallelMap(jobs.count) { j in
            try codecs.with { try encoder.encodePage(plans[jobs[j].0], jobs[j].1, codec: $0) }
        }
        var pages = encoded[...]
        // 3. In order: assemble each chunk and write it.
        var group = RowGroup()
        group.numRows = Int64(rows)
        group.fileOffset = Int64(offset)
        group.ordinal = Int16(truncatingIfNeeded: rowGroups.count)
        var compressed: Int64 = 0
        for plan in plans {
            let chunk = encoder.assemble(plan, Array(pages.prefix(plan.pages.count)))
            pages = pages.dropFirst(plan.pages.count)
            let base = offset
            var meta = chunk.metaData
            meta.dataPageOffset = Int64(base + chunk.dataPageOffset)
            meta.dictionaryPageOffset = chunk.dictionaryPageOffset.map { Int64(base + $0) }
            try writeBytes(chunk.bytes)
            group.columns.append(ColumnChunk(filePath: nil, fileOffset: Int64(base), metaData: meta))
            group.totalByteSize += meta.totalUncompressedSize
            compressed += meta.totalCompressedSize
        }
        group.totalCompressedSize = compressed
        rowGroups.append(group)
        totalRows += Int64(rows)
    }

    /// The in-memory size of a batch's buffers, as row groups are measured.
    public static func estimatedSize(_ batch: RecordBatch) -> Int {
        batch.columns.reduce(0) { $0 + estimatedSize($1) }
    }

    static func estimatedSize(_ column: Column) -> Int {
        switch column.storage {
        case .bool(let v): return v.count
        case .int8(let v): return v.count
        case .int16(let v): return v.count * 2
        case .int32(let v): return v.count * 4
        case .int64(let v): return v.count * 8
        case .float32(let v): return v.count * 4
        case .float64(let v): return v.count * 8
        case .int128(let v): return v.count * 16
        case .bytes(let o, let b): return o.count * 4 + b.count
        case .structure(let children): return children.reduce(0) { $0 + estimatedSize($1) }
        case .list(let o, let child): return o.count * 4 + estimatedSize(child)
        case .map(let o, let k, let v): return o.count * 4 + estimatedSize(k) + estimatedSize(v)
        }
    }
}
