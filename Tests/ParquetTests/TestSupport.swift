import Columnar
@testable import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary directory for one test.
func temporaryDirectory() -> String {
    var template = Array("/tmp/lake-test-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    return path
}

/// The shared conformance fixtures (`../shared/fixtures` beside the repository).
let fixturesDirectory: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path + "/../shared/fixtures"
}()

let repositoryDirectory: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()

func fileExists(_ path: String) -> Bool {
    access(path, F_OK) == 0
}

func readBytes(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { return [] }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        out += buffer[0..<n]
    }
    return out
}

func listDirectory(_ path: String) -> [String] {
    guard let dir = opendir(path) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

/// Writes `batches` to a new file and returns its path.
func writeFile(_ batches: [RecordBatch], options: ParquetWriter.Options = .init(), name: String = "t.parquet") throws -> String {
    let path = temporaryDirectory() + "/" + name
    let writer = try ParquetWriter(path: path, schema: batches[0].schema, options: options)
    for b in batches { try writer.write(b) }
    try writer.close()
    return path
}

/// Every row of every row group of the file, as values.
func readRows(_ path: String, columns: [String]? = nil) throws -> [[Value]] {
    let reader = try ParquetReader(path: path)
    var rows: [[Value]] = []
    for g in 0..<reader.rowGroupCount {
        let batch = try reader.readRowGroup(g, columns: columns)
        for r in 0..<batch.rowCount { rows.append(batch.columns.map { $0.value(at: r) }) }
    }
    return rows
}

/// A batch from rows of values.
func batch(_ fields: [Field], _ rows: [[Value]]) throws -> RecordBatch {
    let columns = try fields.indices.map { c in try Column(fields[c].type, rows.map { $0[c] }) }
    return RecordBatch(schema: Schema(fields), columns: columns)
}
