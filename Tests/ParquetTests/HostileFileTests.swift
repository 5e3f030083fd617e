import Columnar
import Testing
@testable import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// The writer's temporary file never outlives a failure; the reader refuses what is not a
/// regular file without blocking on it.
@Suite struct HostileFileTests {
    let fields = [Field("id", .long, nullable: false), Field("d", .decimal(precision: 4, scale: 0))]

    /// A row group that fails while being encoded (a null in a non-null column, a decimal
    /// too wide): the error surfaces and nothing is left in the directory, neither the file
    /// nor its temporary sibling.
    @Test(arguments: [[Value.null, .decimal(1)], [.int(1), .decimal(123_456)]])
    func aFailedRowGroupLeavesNoFile(row: [Value]) throws {
        let dir = temporaryDirectory()
        defer { rmdir(dir) }
        var options = ParquetWriter.Options()
        options.rowGroupRows = 2
        let writer = try ParquetWriter(path: dir + "/t.parquet", schema: Schema(fields), options: options)
        #expect(listDirectory(dir).count == 1, "the temporary file exists while writing")
        // The second row fills the row group, which fails mid-encoding inside write().
        #expect(throws: ParquetError.self) { try writer.write(try batch(fields, [[.int(0), .decimal(0)], row])) }
        #expect(listDirectory(dir) == [])
        // The failed writer is finished: closing reports it, still nothing appears.
        #expect(throws: ParquetError.self) { try writer.close() }
        #expect(listDirectory(dir) == [])
    }

    @Test func aFailedCloseLeavesNoFile() throws {
        let dir = temporaryDirectory()
        defer { rmdir(dir) }
        let writer = try ParquetWriter(path: dir + "/t.parquet", schema: Schema(fields))
        try writer.write(try batch(fields, [[.null, .decimal(1)]]))  // buffered: fails at close
        #expect(throws: ParquetError.self) { try writer.close() }
        #expect(listDirectory(dir) == [])
    }

    @Test func anAbandonedWriterLeavesNoFile() throws {
        let dir = temporaryDirectory()
        defer { rmdir(dir) }
        do {
            let writer = try ParquetWriter(path: dir + "/t.parquet", schema: Schema(fields))
            try writer.write(try batch(fields, [[.int(1), .decimal(1)]]))
        }
        #expect(listDirectory(dir) == [])
    }

    /// A FIFO (nobody writing), a directory and a device are refused as `io` (exit 1) at
    /// once: the open never waits for a writer.
    @Test func notRegularFilesAreRefusedWithoutBlocking() throws {
        let dir = temporaryDirectory()
        defer { unlink(dir + "/fifo.parquet"); unlink(dir + "/link.parquet"); rmdir(dir + "/sub.parquet"); rmdir(dir) }
        #expect(mkfifo(dir + "/fifo.parquet", 0o600) == 0)
        #expect(symlink(dir + "/fifo.parquet", dir + "/link.parquet") == 0)
        #expect(mkdir(dir + "/sub.parquet", 0o700) == 0)
        for path in [dir + "/fifo.parquet", dir + "/link.parquet", dir + "/sub.parquet", "/dev/null"] {
            let error = #expect(throws: ParquetError.self) { try ParquetReader(path: path) }
            #expect(error?.kind == .io, "\(path): \(error.map(String.init(describing:)) ?? "")")
            #expect(error?.message.contains("not a Parquet file") == true)
        }
    }
}
