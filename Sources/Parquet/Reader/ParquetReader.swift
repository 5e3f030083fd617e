import Columnar
import LakeCore
#if canImport(Glibc)
import Glibc
#endif

/// A Parquet file opened for reading: its footer, schema, and row groups decoded on demand.
///
/// The file is memory-mapped read-only. Every offset and length taken from it is checked, so
/// a corrupt or hostile file produces a ``ParquetError`` naming the file and byte offset.
public final class ParquetReader: @unchecked Sendable {
    public let path: String
    public let metadata: FileMetaData
    public let schema: ParquetSchema
    private let mapping: UnsafeRawBufferPointer
    private let ownsMapping: Bool
    private let codecPool = CodecPool()

    /// Opens and validates the footer of the file at `path`.
    public init(path: String) throws {
        self.path = path
        // Only a regular file (symlinks followed) is opened: a FIFO or a device would block
        // the open or the reads, or cannot be mapped. Checked before opening (nothing with
        // side effects on open is opened) and again on the descriptor, which O_NONBLOCK keeps
        // from waiting for a FIFO's writer if the path changed in between.
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            throw ParquetError(.io, Self.notRegular(info), path: path)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            throw ParquetError(code == ENOENT ? .notFound : .io,
                               "cannot open: \(String(cString: strerror(code)))", path: path)
        }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else { throw ParquetError(.io, "cannot stat", path: path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ParquetError(.io, Self.notRegular(info), path: path) }
        let size = Int(info.st_size)
        if size == 0 {
            throw ParquetError(.corrupt, "the file is empty", path: path, offset: 0)
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ParquetError(.io, "cannot map the file: \(String(cString: strerror(errno)))", path: path)
        }
        let buffer = UnsafeRawBufferPointer(start: base, count: size)
        do {
            (metadata, schema) = try Self.readFooter(buffer)
        } catch let error as ParquetError {
            munmap(base, size)
            throw error.at(path: path)
        }
        mapping = buffer
        ownsMapping = true
    }

    /// A reader over bytes already in memory (for tests and fuzzing); `bytes` must outlive it.
    public init(bytes: UnsafeRawBufferPointer, name: String = "<memory>") throws {
        path = name
        do {
            (metadata, schema) = try Self.readFooter(bytes)
        } catch let error as ParquetError {
            throw error.at(path: name)
        }
        mapping = bytes
        ownsMapping = false
    }

    deinit {
        if ownsMapping, let base = mapping.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
        }
    }

    /// Why a path that is not a regular file cannot be read.
    private static func notRegular(_ info: stat) -> String {
        let what: String
        switch info.st_mode & S_IFMT {
        case S_IFDIR: what = "a directory"
        case S_IFIFO: what = "a pipe (FIFO)"
        case S_IFCHR, S_IFBLK: what = "a device"
        case S_IFSOCK: what = "a socket"
        default: what = "a special file"
        }
        return "\(what), not a Parquet file (a Parquet file is read by its footer, so it must be a regular file)"
    }

    private static func readFooter(_ file: UnsafeRawBufferPointer) throws -> (FileMetaData, ParquetSchema) {
        let size = file.count
        guard size >= 12 else { throw ParquetError.corrupt("the file is \(size) bytes, too short for Parquet", offset: 0) }
        let magic = Array("PAR1".utf8)
        guard Array(file[0..<4]) == magic else { throw ParquetError.corrupt("no PAR1 magic at the start", offset: 0) }
        guard Array(file[(size - 4)...]) == magic else {
            if Array(file[(size - 4)...]) == Array("PARE".utf8) {
                throw ParquetError.unsupported("encrypted footer (PARE)")
            }
            throw ParquetError.corrupt("no PAR1 magic at the end (truncated file?)", offset: size - 4)
        }
        let footerLength = Int(UInt32(littleEndian: file.loadUnaligned(fromByteOffset: size - 8, as: UInt32.self)))
        guard footerLength <= size - 12 else {
            throw ParquetError.corrupt("footer length \(footerLength) exceeds the file", offset: size - 8)
        }
        let footerStart = size - 8 - footerLength
        var reader = ThriftReader(UnsafeRawBufferPointer(rebasing: file[footerStart..<size - 8]), baseOffset: footerStart)
        let meta = try reader.readFileMetaData()
        let schema = try ParquetSchema(reading: meta.schema)
        guard meta.numRows >= 0 else { throw ParquetError.corrupt("negative row count", offset: footerStart) }
        var rows: Int64 = 0
        for (g, group) in meta.rowGroups.enumerated() {
            guard group.columns.count == schema.leaves.count else {
                throw ParquetError.corrupt("row group \(g) has \(group.columns.count) column chunks for \(schema.leaves.count) columns",
                                           offset: footerStart)
            }
            guard group.numRows >= 0, group.numRows <= Int64(Int32.max) else {
                throw ParquetError.corrupt("row group \(g) claims \(group.numRows) rows", offset: footerStart)
            }
            for (c, chunk) in group.columns.enumerated() {
                guard let m = chunk.metaData else {
                    throw ParquetError.unsupported("column chunk \(c) of row group \(g) keeps its metadata elsewhere")
                }
                if let p = chunk.filePath, !p.isEmpty {
                    throw ParquetError.unsupported("column chunks in other files (\(p))")
                }
                guard m.type == schema.leaves[c].physicalType else {
                    throw ParquetError.corrupt("column chunk \(c) of row group \(g) is \(m.type), the schema says \(schema.leaves[c].physicalType)",
                                               offset: footerStart)
                }
                guard m.numValues >= 0, m.totalCompressedSize >= 0 else {
                    throw ParquetError.corrupt("column chunk \(c) of row group \(g) has negative sizes", offset: footerStart)
                }
            }
            rows += group.numRows
        }
        // Some writers leave the footer's total at 0; the row groups are what gets read.
        var checked = meta
        checked.numRows = rows
        return (checked, schema)
    }

    /// Total number of rows.
    public var rowCount: Int { Int(metadata.numRows) }

    /// Number of row groups.
    public var rowGroupCount: Int { metadata.rowGroups.count }

    /// Reads row group `index`, decoding only the top-level columns named in `columns` (all
    /// when nil), in the order given. Columns are decoded in parallel.
    public func readRowGroup(_ index: Int, columns: [String]? = nil) throws -> RecordBatch {
        guard metadata.rowGroups.indices.contains(index) else {
            throw ParquetError(.invalidArgument, "no row group \(index)", path: path)
        }
        let selected = try selectColumns(columns)
        let group = metadata.rowGroups[index]
        let rows = Int(group.numRows)
        let leafIndices = selected.flatMap { schema.roots[$0].leaves }
        let file = UncheckedBytes(bytes: mapping)
        let decoders = leafIndices.map {
            ColumnChunkDecoder(file: file.bytes, leaf: schema.leaves[$0], meta: group.columns[$0].metaData!, rowCount: rows)
        }
        let codecs = codecPool
        let merged: [LeafChunk]
        do {
            // 1. Per chunk: page headers and dictionary.
            let pageLists = try parallelMap(decoders.count) { k in
                try codecs.with { try decoders[k].layout(codec: $0) }
            }
            // 2. Every data page of every chunk, in parallel.
            let jobs = pageLists.indices.flatMap { k in pageLists[k].pages.indices.map { (k, $0) } }
            let pages = try parallelMap(jobs.count) { j in
                let (k, p) = jobs[j]
                return try codecs.with { try decoders[k].decodePage(pageLists[k].pages[p], pageLists[k].dictionary, codec: $0) }
            }
            var decoded = pages[...]
            // 3. Join each chunk's pages.
            merged = try decoders.indices.map { k in
                let count = pageLists[k].pages.count
                defer { decoded = decoded.dropFirst(count) }
                return try decoders[k].merge(Array(decoded.prefix(count)))
            }
        } catch let error as ParquetError {
            throw error.at(path: path)
        }
        do {
            var chunks = [LeafChunk?](repeating: nil, count: schema.leaves.count)
            for (k, chunk) in merged.enumerated() { chunks[leafIndices[k]] = chunk }
            let assembler = Assembler(leaves: schema.leaves, chunks: chunks)
            var fields: [Field] = []
            var out: [Column] = []
            for c in selected {
                let column = try assembler.assemble(schema.roots[c])
                guard column.count == rows else {
                    throw ParquetError.corrupt("column \(schema.schema.fields[c].name) has \(column.count) rows, its row group \(rows)")
                }
                fields.append(schema.schema.fields[c])
                out.append(column)
            }
            return RecordBatch(schema: Schema(fields), columns: out)
        } catch let error as ParquetError {
            throw error.at(path: path)
        }
    }

    /// The schema of a projection (all columns when nil).
    public func projectedSchema(_ columns: [String]?) throws -> Schema {
        Schema(try selectColumns(columns).map { schema.schema.fields[$0] })
    }

    private func selectColumns(_ columns: [String]?) throws -> [Int] {
        guard let columns else {
            if let (name, reason) = schema.unsupportedColumns.first {
                throw ParquetError(.unsupported, "\(reason) (the other columns can be read by naming them, without '\(name)')",
                                   path: path)
            }
            return Array(schema.schema.fields.indices)
        }
        return try columns.map { name in
            if let (_, reason) = schema.unsupportedColumns.first(where: { $0.name == name }) {
                throw ParquetError(.unsupported, reason, path: path)
            }
            guard let i = schema.schema.index(of: name) else {
                let known = schema.schema.fields.map(\.name).joined(separator: ", ")
                throw ParquetError(.invalidArgument, "no column '\(name)' (the file has: \(known))", path: path)
            }
            return i
        }
    }

    /// The statistics of leaf `leaf` in row group `rowGroup`, decoded to lake values.
    /// `min`/`max` are nil when absent or when their order is not reliable for the type.
    public func statistics(rowGroup: Int, leaf: Int) -> ColumnStatistics? {
        guard let meta = metadata.rowGroups[rowGroup].columns[leaf].metaData, let s = meta.statistics else { return nil }
        let descriptor = schema.leaves[leaf]
        let typeDefined = metadata.columnOrders.map { leaf < $0.count && $0[leaf] } ?? false
        var minBytes = s.minValue, maxBytes = s.maxValue
        if minBytes == nil || maxBytes == nil {
            // The deprecated fields are only trustworthy for signed-order types.
            if StatisticsDecoding.legacyOrderIsReliable(descriptor) { minBytes = s.legacyMin; maxBytes = s.legacyMax }
        } else if !typeDefined && !StatisticsDecoding.legacyOrderIsReliable(descriptor) {
            minBytes = nil; maxBytes = nil
        }
        return ColumnStatistics(nullCount: s.nullCount.map(Int.init),
                                min: minBytes.flatMap { StatisticsDecoding.value($0, descriptor) },
                                max: maxBytes.flatMap { StatisticsDecoding.value($0, descriptor) })
    }
}

/// A column chunk's statistics as lake values.
public struct ColumnStatistics: Sendable {
    public var nullCount: Int?
    public var min: Value?
    public var max: Value?
}

/// File bytes shared read-only between decoding threads.
struct UncheckedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}
