import Columnar
import Glibc
import LakeCore
import Query
import Testing
@testable import Lake

/// The external sort gives the same order whether everything fits in memory or it spills
/// runs (and merges them in several passes), and leaves no run file behind.
@Suite struct ExternalSortTests {
    static let schema = Schema([Field("k", .long), Field("s", .string)])

    static func batches(_ count: Int, rows: Int) -> [RecordBatch] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            let keys = (0..<rows).map { _ in Int64.random(in: -1000...1000, using: &generator) }
            var offsets = [0], bytes: [UInt8] = []
            for key in keys {
                bytes += Array("v\(key % 7)".utf8)
                offsets.append(bytes.count)
            }
            return RecordBatch(schema: schema, columns: [Column(type: .long, count: rows, storage: .int64(keys)),
                                                         Column(type: .string, count: rows, storage: .bytes(offsets: offsets, bytes: bytes))])
        }
    }

    static func sorted(_ input: [RecordBatch], memory: Int, directory: String) throws -> (rows: [[Value]], runs: Int, merged: Int) {
        let sort = ExternalSort(schema: schema, encoder: .lexicographic([1, 0]), memoryLimit: memory, directory: directory)
        for batch in input { try sort.add(batch) }
        var rows: [[Value]] = []
        try sort.finish { batch in
            for row in 0..<batch.rowCount { rows.append(batch.columns.map { $0.value(at: row) }) }
        }
        return (rows, sort.runsSpilled, sort.runsMerged)
    }

    @Test func spilledAndInMemorySortsAgree() throws {
        let directory = "/tmp/lake-sort-test-\(getpid())"
        mkdir(directory, 0o755)
        defer { rmdir(directory) }
        let input = Self.batches(20, rows: 5000)
        let inMemory = try Self.sorted(input, memory: 1 << 30, directory: directory)
        // 1 MiB holds a few batches: several runs, and a quarter of it holds fewer run row
        // groups than that, so they merge in more than one pass.
        let spilled = try Self.sorted(input, memory: 1 << 20, directory: directory)
        #expect(inMemory.runs == 0)
        #expect(spilled.runs >= 3 && spilled.merged > 0, "\(spilled.runs) runs, \(spilled.merged) merged")
        #expect(inMemory.rows.count == 100_000)
        #expect(spilled.rows == inMemory.rows)
        let expected = input.flatMap { b in (0..<b.rowCount).map { r in b.columns.map { $0.value(at: r) } } }
            .sorted { x, y in
                guard case .string(let a) = x[1], case .string(let b) = y[1], case .int(let i) = x[0], case .int(let j) = y[0] else { return false }
                return (Array(a.utf8), i) < (Array(b.utf8), j)
            }
        #expect(inMemory.rows.map { $0[0] } == expected.map { $0[0] })
        #expect(try LocalStorage().list(directory)?.isEmpty == true)
    }

    @Test func runFilesAndTheirWritersTemporariesAreLakeTemporaries() {
        let run = TemporaryName.next(to: "/t/lake-sort-1234-0.parquet", pid: 42, random: 7)
        let writing = TemporaryName.next(to: run, pid: 42, random: 9)
        #expect(TemporaryName.isLakeTemporary(Paths.basename(of: run)))
        #expect(TemporaryName.isLakeTemporary(Paths.basename(of: writing)))
        #expect(!TemporaryName.isLakeTemporary(".x.tmp.42.9.tmp"))
    }
}

private func < (a: ([UInt8], Int64), b: ([UInt8], Int64)) -> Bool {
    a.0 != b.0 ? a.0.lexicographicallyPrecedes(b.0) : a.1 < b.1
}
