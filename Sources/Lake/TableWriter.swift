import Columnar
import DeltaLog
import Parquet
import LakeCore

/// Writes rows into a table's data files: one stream of files per partition, rolled at the
/// target file size, each with its `add` action and statistics. Nothing is visible until the
/// caller commits the actions; ``abort()`` removes the files written so far.
///
/// A file that is full (or finished by ``finishOpenFiles()``) has its last row group encoded
/// and its footer written on another thread while the caller goes on with the next rows: one
/// file at a time, so memory holds at most one finishing file besides the open ones.
final class TableWriter {
    let snapshot: Snapshot
    private let storage: any Storage
    private let dataSchema: Schema
    private let dataIndices: [Int]
    private let partitionIndices: [Int]
    private let indexed: Set<String>
    private let mapping: ColumnMapping
    private let options: ParquetWriter.Options
    /// Files roll once this many (estimated) bytes are written: `delta.targetFileSize`, 128 MB unless set.
    var targetFileSize: Int
    private var open: [String: OpenFile] = [:]
    private(set) var added: [AddFile] = []
    private var written: [String] = []
    /// The file finishing in the background, if any; its `add` joins `added` when collected.
    private var finishing: BackgroundJob<AddFile>?
    private var fileCounter = 0
    private let writeID = SystemClock.uuid()
    /// The folder under the root the files go in (`_change_data` for change data), or "".
    private let folder: String

    private final class OpenFile {
        let writer: ParquetWriter
        let relativePath: String
        let partitionValues: PartitionValues
        var stats: FileStats.Accumulator
        var bytesBuffered = 0

        init(writer: ParquetWriter, relativePath: String, partitionValues: PartitionValues, stats: FileStats.Accumulator) {
            self.writer = writer
            self.relativePath = relativePath
            self.partitionValues = partitionValues
            self.stats = stats
        }
    }

    /// A writer of `snapshot`'s data files, or (with `folder`) of files under that folder of
    /// the root, partitioned the same way.
    init(snapshot: Snapshot, storage: any Storage, folder: String = "") throws {
        self.snapshot = snapshot
        self.folder = folder
        self.storage = storage
        let partitionColumns = snapshot.metadata.partitionColumns
        let fields = snapshot.schema.fields
        let partitionIndices = try partitionColumns.map { name in
            guard let i = fields.firstIndex(where: { $0.name == name }) else {
                throw DeltaError(.corrupt, "partition column '\(name)' is not in the table schema")
            }
            return i
        }
        let dataIndices = fields.indices.filter { !partitionIndices.contains($0) }
        // Under column mapping, files carry physical names and field ids; statistics and
        // partition values are keyed by physical names.
        let mapping = snapshot.columnMapping
        self.mapping = mapping
        let dataSchema = Schema(dataIndices.map { mapping.writtenField(fields[$0]) })
        // The table's schema (perhaps written by another engine) may be one lake cannot store
        // in Parquet: that is a property of the table, not a usage error (exit 1).
        do {
            _ = try ParquetSchema(writing: dataSchema)
        } catch let error as ParquetError {
            throw DeltaError(.unsupported, "lake cannot write data files for this table's schema: \(error.message)")
        }
        self.partitionIndices = partitionIndices
        self.dataIndices = dataIndices
        self.dataSchema = dataSchema
        let logicalData = Schema(dataIndices.map { fields[$0] })
        indexed = Set(FileStats.indexedColumns(logicalData, properties: { snapshot.property($0) }).map { name in
            logicalData.fields.first { $0.name == name }.map(mapping.physicalName) ?? name
        })
        var options = ParquetWriter.Options()
        // Row groups of 256Ki rows (as polars writes): ingest memory stays small and scans
        // still read large, well-compressed chunks.
        options.rowGroupRows = 1 << 18
        options.rowGroupBytes = 64 << 20
        switch snapshot.property("delta.parquet.compression.codec")?.lowercased() {
        case nil, "zstd": options.codec = .zstd
        case "snappy": options.codec = .snappy
        case "uncompressed", "none": options.codec = .uncompressed
        case let other?: throw DeltaError(.unsupported, "compression codec '\(DisplayText.value(other))' (delta.parquet.compression.codec) is not supported")
        }
        if let level = snapshot.property("lake.zstd.level").flatMap(Int32.init) { options.zstdLevel = max(1, min(22, level)) }
        self.options = options
        targetFileSize = snapshot.property("delta.targetFileSize").flatMap { parseSize($0) } ?? 128 << 20
    }

    /// Writes a batch whose schema is the table's (all columns, table order).
    func write(_ batch: RecordBatch) throws {
        if partitionIndices.isEmpty {
            try append(batch, partitionValues: [])
            return
        }
        // Group rows by their partition values.
        var groups: [[String?]: [Int]] = [:]
        var order: [[String?]] = []
        let partitionColumns = partitionIndices.map { batch.columns[$0] }
        for row in 0..<batch.rowCount {
            let key = partitionColumns.map { Partitioning.serialize($0, row) }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        for key in order {
            let rows = groups[key]!
            let part = rows.count == batch.rowCount ? batch : batch.take(rows)
            let values = zip(partitionIndices, key).map { (mapping.physicalName(snapshot.schema.fields[$0.0]), $0.1) }
            try append(part, partitionValues: values)
        }
    }

    private func append(_ batch: RecordBatch, partitionValues: PartitionValues) throws {
        let data = RecordBatch(schema: dataSchema, columns: zip(dataIndices, dataSchema.fields).map { index, field in
            mapping.mode == .none ? batch.columns[index] : Cast.renamed(batch.columns[index], to: field.type)
        })
        let key = partitionValues.map { "\($0.0)=\($0.1 ?? "\u{0}")" }.joined(separator: "/")
        let size = ParquetWriter.estimatedSize(data)
        var start = 0
        while start < data.rowCount {
            let file = try open[key] ?? startFile(partitionValues)
            open[key] = file
            // A batch bigger than the room left in the file is cut where the file fills up.
            let rows = data.rowCount - start
            let bytesPerRow = max(1, size / max(1, data.rowCount))
            let room = targetFileSize - file.bytesBuffered
            let fits = room >= rows * bytesPerRow ? rows : max(1, (room + bytesPerRow - 1) / bytesPerRow)
            let part = fits == data.rowCount ? data : data.slice(start..<start + fits)
            try file.writer.write(part)
            file.stats.add(part)
            file.bytesBuffered += fits == data.rowCount ? size : fits * bytesPerRow
            start += fits
            if file.bytesBuffered >= targetFileSize {
                try finish(file)
                open[key] = nil
            }
        }
    }

    private func startFile(_ partitionValues: PartitionValues) throws -> OpenFile {
        let directory = ([folder].filter { !$0.isEmpty } + partitionValues.map { Partitioning.directoryName(column: $0.0, value: $0.1) })
            .joined(separator: "/")
        let name = "part-\(String(fileCounter).leftPadded(5))-\(writeID)-c000.\(options.codec == .zstd ? "zstd." : options.codec == .snappy ? "snappy." : "")parquet"
        fileCounter += 1
        let relative = directory.isEmpty ? name : directory + "/" + name
        let absolute = snapshot.root + "/" + relative
        try storage.makeDirectories(Paths.parent(of: absolute))
        // A partition folder that is a symbolic link would take the file outside the table.
        var folder = snapshot.root
        for part in directory.split(separator: "/") {
            folder += "/" + part
            guard storage.info(folder)?.kind == .directory else {
                throw DeltaError(.unsupported, "\(folder) is a symbolic link (or not a folder); lake does not write through links inside a table")
            }
        }
        // Removed if the process is interrupted before the commit lands (the writer's own
        // temporary file is pending from before it exists).
        PendingFiles.shared.add(absolute)
        let writer: ParquetWriter
        do { writer = try ParquetWriter(path: absolute, schema: dataSchema, options: options) } catch {
            PendingFiles.shared.remove(absolute)
            throw error
        }
        return OpenFile(writer: writer, relativePath: relative, partitionValues: partitionValues,
                        stats: FileStats.Accumulator(schema: dataSchema, indexed: indexed, stringBoundsFromFooter: true))
    }

    private func finish(_ file: OpenFile) throws {
        try collectFinished()
        let absolute = snapshot.root + "/" + file.relativePath
        written.append(absolute)
        let handoff = Handoff(file: file, storage: storage)
        finishing = BackgroundJob {
            let file = handoff.file
            file.stats.takeStringBounds(from: try file.writer.close())
            let info = handoff.storage.info(absolute)
            return AddFile(path: Partitioning.uriEncode(file.relativePath), partitionValues: file.partitionValues,
                           size: info?.size ?? 0,
                           modificationTime: info?.modificationTime ?? SystemClock.nowMillis(),
                           dataChange: true, stats: file.stats.json())
        }
    }

    /// A full file handed to the thread that finishes it; nothing else touches it meanwhile.
    private struct Handoff: @unchecked Sendable {
        let file: OpenFile
        let storage: any Storage
    }

    /// Waits for the file finishing in the background and takes its `add`.
    private func collectFinished() throws {
        guard let job = finishing else { return }
        finishing = nil
        added.append(try job.wait())
    }

    /// Finishes every open file (the next rows start new ones); their actions join `added`.
    func finishOpenFiles() throws {
        for (_, file) in open.sorted(by: { $0.key < $1.key }) { try finish(file) }
        open = [:]
    }

    /// Closes every open file; returns the `add` actions of all files written.
    func close() throws -> [AddFile] {
        try finishOpenFiles()
        try collectFinished()
        return added
    }

    /// Removes every file written or being written.
    func abort() {
        _ = try? finishing?.wait()
        finishing = nil
        for (_, file) in open {
            file.writer.abort()
            PendingFiles.shared.remove(snapshot.root + "/" + file.relativePath)
        }
        open = [:]
        for path in written {
            try? storage.remove(path)
            PendingFiles.shared.remove(path)
        }
        written = []
        added = []
    }
}

/// `SIZE` text: `512KB`, `128MB`, `1GB`, or plain bytes.
public func parseSize(_ text: String) -> Int? {
    let upper = text.uppercased().trimmingSpaces()
    let units: [(String, Int)] = [("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30), ("KB", 1 << 10), ("MB", 1 << 20),
                                  ("GB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1)]
    for (suffix, factor) in units where upper.hasSuffix(suffix) {
        guard let n = Double(String(upper.dropLast(suffix.count)).trimmingSpaces()), n >= 0 else { return nil }
        let bytes = n * Double(factor)
        guard bytes.isFinite, bytes < Double(Int.max) else { return nil }
        return Int(bytes)
    }
    return Int(upper)
}
