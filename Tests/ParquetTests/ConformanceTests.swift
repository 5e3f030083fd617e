import Columnar
import Testing
@testable import Parquet
#if canImport(Glibc)
import Glibc
#endif

let parquetTesting = fixturesDirectory + "/parquet-testing"
let haveFixtures = fileExists(parquetTesting)

/// Whether the tests run in CI (`CI=true`), where missing fixtures are a failure, not a skip.
let runningInCI: Bool = getenv("CI").map { String(cString: $0) == "true" } ?? false

/// `ConformanceTests` skips itself without the fixtures; in CI that must fail instead.
@Suite struct FixturePresenceTests {
    @Test func fixturesArePresentInCI() {
        if runningInCI {
            #expect(haveFixtures, "CI=true but ../shared/fixtures is missing (looked for \(parquetTesting))")
        }
    }
}

/// Files other engines wrote, read back against their documented contents.
@Suite(.enabled(if: haveFixtures, "needs ../shared/fixtures")) struct ConformanceTests {
    @Test func alltypesPlainFromImpala() throws {
        let rows = try readRows(parquetTesting + "/alltypes_plain.parquet", columns: ["id", "bool_col", "timestamp_col"])
        #expect(rows.map { $0[0] } == [4, 5, 6, 7, 2, 3, 0, 1].map { .int($0) })
        #expect(rows[0][1] == .bool(true))
        // INT96 2009-03-01T00:00:00Z.
        #expect(rows[0][2] == .int(1_235_865_600_000_000))
    }

    /// `*_expect.csv` files: one header row, values as text, empty for null.
    func expected(_ name: String) -> [[String?]] {
        let text = String(decoding: readBytes(parquetTesting + "/" + name), as: UTF8.self)
        return text.split(separator: "\n").dropFirst().map { line in
            // Fields are quoted when they hold commas; an empty field is null.
            var cells: [String?] = []
            var cell = "", inQuotes = false
            for ch in line {
                if ch == "\"" { inQuotes.toggle(); continue }
                if ch == "," && !inQuotes {
                    cells.append(cell.isEmpty ? nil : cell)
                    cell = ""
                    continue
                }
                cell.append(ch)
            }
            cells.append(cell.isEmpty ? nil : cell)
            return cells
        }
    }

    func text(_ v: Value) -> String? {
        switch v {
        case .null: return nil
        case .int(let i): return String(i)
        case .string(let s): return s
        default: return "\(v)"
        }
    }

    @Test(arguments: ["delta_binary_packed", "delta_byte_array", "delta_encoding_required_column",
                      "delta_encoding_optional_column"])
    func deltaEncodingsMatchTheirExpectations(name: String) throws {
        let rows = try readRows(parquetTesting + "/\(name).parquet")
        let expect = expected("\(name)_expect.csv")
        #expect(rows.count == expect.count)
        for (r, row) in rows.enumerated() where r < expect.count {
            #expect(row.map(text) == expect[r], "row \(r)")
        }
    }

    @Test(arguments: ["byte_stream_split.zstd.parquet", "delta_length_byte_array.parquet", "datapage_v2.snappy.parquet",
                      "nested_lists.snappy.parquet", "nested_maps.snappy.parquet", "nested_structs.rust.parquet",
                      "repeated_no_annotation.parquet", "old_list_structure.parquet", "nullable.impala.parquet",
                      "lz4_raw_compressed.parquet", "hadoop_lz4_compressed.parquet", "non_hadoop_lz4_compressed.parquet",
                      "concatenated_gzip_members.parquet", "fixed_length_decimal.parquet", "byte_array_decimal.parquet",
                      "int32_with_null_pages.parquet", "float16_nonzeros_and_nans.parquet", "dict-page-offset-zero.parquet"])
    func foreignFilesDecode(name: String) throws {
        let reader = try ParquetReader(path: parquetTesting + "/" + name)
        var rows = 0
        for g in 0..<reader.rowGroupCount { rows += try reader.readRowGroup(g).rowCount }
        #expect(rows == reader.rowCount)
    }

    /// Every reproducer in `bad_data/` is rejected with an error naming the file — except
    /// ARROW-GH-43605, which is valid (dictionary indices with bit width 0): pyarrow, DuckDB
    /// and polars all read it as 21186 zeros, and so must we.
    @Test func everyBadFileIsACleanError() throws {
        let dir = parquetTesting + "/bad_data"
        let files = listDirectory(dir).filter { $0.hasSuffix(".parquet") }
        #expect(!files.isEmpty)
        for name in files {
            let outcome = Result { () throws -> [[Value]] in try readRows(dir + "/" + name) }
            if name == "ARROW-GH-43605.parquet" {
                let rows = try outcome.get()
                #expect(rows.count == 21186)
                #expect(rows.allSatisfy { $0 == [.int(0)] })
                continue
            }
            guard case .failure(let error) = outcome else {
                Issue.record("\(name) was accepted")
                continue
            }
            let message = "\(error)"
            #expect(message.contains(name), "\(name): \(message)")
        }
    }
}

@Suite struct CorruptionTests {
    @Test func everyTruncationIsAnError() throws {
        let path = try writeFile([try allTypesBatch()])
        let bytes = readBytes(path)
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            let prefix = Array(bytes[0..<cut])
            let failed = prefix.withUnsafeBytes { raw -> Bool in
                do {
                    let reader = try ParquetReader(bytes: raw)
                    for g in 0..<reader.rowGroupCount { _ = try reader.readRowGroup(g) }
                    return false
                } catch is ParquetError {
                    return true
                } catch {
                    return false
                }
            }
            #expect(failed, "a file cut at \(cut) of \(bytes.count) bytes was accepted")
        }
    }

    /// Random byte changes, from a fixed seed so that a failure reproduces: every mutated file
    /// either reads to the end or is refused with a `ParquetError` (never a crash or another
    /// error), and some of the changes are caught.
    @Test func flippedBytesNeverCrash() throws {
        let path = try writeFile([try allTypesBatch()])
        let original = readBytes(path)
        var generator = SplitMix64(seed: 0x1A4E_5EED)
        let mutations = 3000
        var rejected = 0, readFully = 0
        for m in 0..<mutations {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            bytes.withUnsafeBytes { raw in
                do {
                    let reader = try ParquetReader(bytes: raw)
                    for g in 0..<reader.rowGroupCount { _ = try reader.readRowGroup(g) }
                    readFully += 1
                } catch is ParquetError {
                    rejected += 1
                } catch {
                    Issue.record("mutation \(m): not a ParquetError: \(error)")
                }
            }
        }
        #expect(rejected + readFully == mutations)
        #expect(rejected > 0, "none of \(mutations) mutated files was rejected")
    }

    @Test func missingFileIsNotFound() {
        do {
            _ = try ParquetReader(path: "/nonexistent/x.parquet")
            Issue.record("opened a missing file")
        } catch let error as ParquetError {
            #expect(error.kind == .notFound)
            #expect(error.description.contains("/nonexistent/x.parquet"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast generator with a fixed seed, so that
/// randomized tests do the same thing on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
