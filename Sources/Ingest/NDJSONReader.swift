import Columnar
import LakeCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads newline-delimited JSON (one object per line; blank lines skipped) into batches of a
/// table's columns. Keys map to columns by name, exactly or case-insensitively; absent keys
/// are null; nested objects fill struct and map columns, arrays fill array columns. A key
/// repeated in one object (at any depth) holds its last value, as JSON decoders keep it.
///
/// Lines are parsed straight into the column builders: keys are found through a
/// ``JSONKeyMap`` built once, after a check against the key the previous line had at the
/// same place (most files write every line in one order), and primitive values go from the
/// line's bytes into typed buffers without a tree. Nested values are built as a
/// ``JSONValue`` first. A line the direct path cannot load is undone and read again as a
/// tree, which decides between loading it and naming what is wrong with it, so both paths
/// load the same rows and report the same errors.
final class NDJSONReader: BatchReader {
    private let input: InputStream
    private let table: Schema
    private let budget: BadRowBudget
    private let batchRows: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var eof = false
    private var line = 0
    private let builders: [ColumnBuilder]
    private let keys: JSONKeyMap
    /// The hot per-column state of the direct path, in buffers of their own (no reference
    /// counting per value): each column's builder, what JSON values it takes there, whether
    /// it may be null, and the number of the line that last gave it a value (repeated keys).
    private let builderRefs: UnsafeMutablePointer<Unmanaged<ColumnBuilder>>
    private let kinds: UnsafeMutablePointer<ValueKind>
    private let nullable: UnsafeMutablePointer<Bool>
    private let stamps: UnsafeMutablePointer<Int>
    /// The key each of the first `places` places of the last lines held (up to
    /// `placeKeyWidth` bytes each, its length -1 when none) and the column it found: a key is
    /// compared with it before the map is asked.
    private let placeKeys: UnsafeMutableRawPointer
    private let placeLengths: UnsafeMutablePointer<Int>
    private let placeColumns: UnsafeMutablePointer<Int>
    private let places: Int
    private static let placeKeyWidth = 32
    /// Per column: whether some loaded line gave it a key.
    private let provided: UnsafeMutablePointer<Bool>
    /// Columns the line being read gives a key that no loaded line gave yet.
    private var newlyProvided: [Int] = []
    private(set) var rowsRead = 0

    var bytesRead: Int64 { input.consumed }
    var totalBytes: Int64? { input.size }
    var providedColumns: Set<Int> { Set((0..<builders.count).filter { provided[$0] }) }

    /// What a column takes from a JSON value on the direct path (anything else goes the tree way).
    private enum ValueKind: UInt8 {
        /// Strings are its text; numbers, booleans and nested values keep their JSON text.
        case string
        /// Numbers and strings are its text (integers, floats, decimals).
        case number
        /// `true` and `false`, and strings holding one.
        case boolean
        /// Strings are its text (dates, timestamps, base64).
        case text
        /// Objects and arrays (structs, maps, arrays).
        case nested
    }

    init(input: InputStream, table: Schema, budget: BadRowBudget, batchRows: Int = 1 << 16) {
        self.input = input
        self.table = table
        self.budget = budget
        self.batchRows = batchRows
        builders = table.fields.map { ColumnBuilder($0.type) }
        keys = JSONKeyMap(table.fields.map(\.name))
        let n = table.fields.count
        builderRefs = .allocate(capacity: n)
        kinds = .allocate(capacity: n)
        nullable = .allocate(capacity: n)
        stamps = .allocate(capacity: n)
        stamps.initialize(repeating: 0, count: n)
        for (c, field) in table.fields.enumerated() {
            builderRefs.advanced(by: c).initialize(to: Unmanaged.passUnretained(builders[c]))
            nullable.advanced(by: c).initialize(to: field.nullable)
            let kind: ValueKind
            switch field.type {
            case .string: kind = .string
            case .byte, .short, .int, .long, .float, .double, .decimal: kind = .number
            case .boolean: kind = .boolean
            case .date, .timestamp, .timestampNTZ, .binary: kind = .text
            case .struct, .array, .map: kind = .nested
            }
            kinds.advanced(by: c).initialize(to: kind)
        }
        places = min(2 * n + 16, 4096)
        placeKeys = .allocate(byteCount: places * Self.placeKeyWidth, alignment: 8)
        placeLengths = .allocate(capacity: places)
        placeLengths.initialize(repeating: -1, count: places)
        placeColumns = .allocate(capacity: places)
        placeColumns.initialize(repeating: -1, count: places)
        provided = .allocate(capacity: max(1, n))
        provided.initialize(repeating: false, count: max(1, n))
    }

    deinit {
        builderRefs.deallocate()
        kinds.deallocate()
        nullable.deallocate()
        stamps.deallocate()
        placeKeys.deallocate()
        placeLengths.deallocate()
        placeColumns.deallocate()
        provided.deallocate()
    }

    /// The next line's bytes (without the newline), or nil at the end.
    private func nextLine() throws -> Range<Int>? {
        while true {
            let found = buffer.withUnsafeBytes { b -> Int? in
                guard position < b.count, let p = memchr(b.baseAddress! + position, 0x0A, b.count - position) else { return nil }
                return UnsafeRawPointer(p) - b.baseAddress!
            }
            if let nl = found {
                defer { position = nl + 1 }
                line += 1
                var end = nl
                if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                return position..<end
            }
            if eof {
                guard position < buffer.count else { return nil }
                defer { position = buffer.count }
                line += 1
                return position..<buffer.count
            }
            buffer.removeSubrange(0..<position)
            position = 0
            if try !input.read(into: &buffer) { eof = true }
        }
    }

    /// The line of each row of the last batch.
    private var batchLines: [Int] = []

    func location(ofRow row: Int) -> RowLocation { .line(batchLines[row]) }

    func next() throws -> RecordBatch? {
        var rows = 0
        batchLines.removeAll(keepingCapacity: true)
        while rows < batchRows, var range = try nextLine() {
            if line == 1 && buffer[range].starts(with: [0xEF, 0xBB, 0xBF]) { range = (range.lowerBound + 3)..<range.upperBound }
            let loaded = try buffer.withUnsafeBytes { b -> Bool in
                let bytes = UnsafeRawBufferPointer(rebasing: b[range])
                if appendDirectly(bytes, row: rows) { return true }
                for builder in builders { builder.truncate(to: rows) }
                return try appendAsTree(bytes)
            }
            if loaded {
                rows += 1
                batchLines.append(line)
            }
        }
        rowsRead += rows
        if rows == 0 { return nil }
        return RecordBatch(schema: table, columns: builders.map { $0.finish() })
    }

    // MARK: - The direct path

    /// Appends one line's object as row `row` straight from its bytes; false when the line
    /// is blank, not valid UTF-8, malformed, or holds something this path leaves to
    /// ``appendAsTree(_:)`` (which then decides), with the builders possibly part-filled.
    private func appendDirectly(_ bytes: UnsafeRawBufferPointer, row: Int) -> Bool {
        newlyProvided.removeAll(keepingCapacity: true)
        guard UTF8Bytes.isValid(bytes) else { return false }
        var scanner = JSONScanner(bytes)
        scanner.skipSpace()
        guard scanner.next == UInt8(ascii: "{") else { return false }
        scanner.position += 1
        scanner.skipSpace()
        var distinct = 0
        if scanner.next == UInt8(ascii: "}") {
            scanner.position += 1
        } else {
            var place = 0
            while true {
                scanner.skipSpace()
                guard scanner.next == UInt8(ascii: "\""), let c = try? column(of: &scanner, place: place) else { return false }
                place += 1
                scanner.skipSpace()
                guard scanner.next == UInt8(ascii: ":") else { return false }
                scanner.position += 1
                scanner.skipSpace()
                if stamps[c] == line {
                    builderRefs[c]._withUnsafeGuaranteedRef { $0.truncate(to: row) }  // a repeated key: the last value wins
                } else {
                    stamps[c] = line
                    distinct += 1
                }
                guard (try? appendValue(&scanner, column: c)) == true else { return false }
                scanner.skipSpace()
                if scanner.next == UInt8(ascii: ",") { scanner.position += 1; continue }
                if scanner.next == UInt8(ascii: "}") { scanner.position += 1; break }
                return false
            }
        }
        scanner.skipSpace()
        guard scanner.atEnd else { return false }
        if distinct < builders.count {
            for c in builders.indices where stamps[c] != line {
                guard nullable[c] else { return false }
                builderRefs[c]._withUnsafeGuaranteedRef { $0.appendNull() }
            }
        }
        for c in newlyProvided { provided[c] = true }
        return true
    }

    /// Reads a key; returns its column (nil: not a column of the table).
    @inline(__always)
    private func column(of scanner: inout JSONScanner, place: Int) throws -> Int? {
        if let range = try scanner.string() {
            return column(of: UnsafeRawBufferPointer(rebasing: scanner.bytes[range]), place: place)
        }
        return scanner.scratch.withUnsafeBytes { column(of: $0, place: place) }
    }

    @inline(__always)
    private func column(of key: UnsafeRawBufferPointer, place: Int) -> Int? {
        let c: Int
        if place < places, placeLengths[place] == key.count,
           key.count == 0 || ByteText.equal(placeKeys + place * Self.placeKeyWidth, key.baseAddress!, key.count) {
            c = placeColumns[place]
        } else {
            guard let found = keys.column(key) else { return nil }
            c = found
            if place < places && key.count <= Self.placeKeyWidth {
                if key.count > 0 { (placeKeys + place * Self.placeKeyWidth).copyMemory(from: key.baseAddress!, byteCount: key.count) }
                placeLengths[place] = key.count
                placeColumns[place] = c
            }
        }
        if !provided[c] { newlyProvided.append(c) }
        return c
    }

    /// Appends the value at the scanner to column `c`; false when it is one the tree path decides.
    @inline(__always)
    private func appendValue(_ scanner: inout JSONScanner, column c: Int) throws -> Bool {
        let kind = kinds[c]
        return try builderRefs[c]._withUnsafeGuaranteedRef { builder in
            switch scanner.next {
            case UInt8(ascii: "\""):
                guard kind != .nested else { return false }
                if let range = try scanner.string() {
                    let text = UnsafeRawBufferPointer(rebasing: scanner.bytes[range])
                    if kind == .string { builder.append(validText: text) } else { try builder.append(text: text) }
                } else {
                    try scanner.scratch.withUnsafeBytes { text in
                        if kind == .string { builder.append(validText: text) } else { try builder.append(text: text) }
                    }
                }
            case UInt8(ascii: "n"):
                guard nullable[c] else { return false }
                try scanner.literal("null")
                builder.appendNull()
            case UInt8(ascii: "t"), UInt8(ascii: "f"):
                let value = scanner.next == UInt8(ascii: "t")
                let start = scanner.position
                try scanner.literal(value ? "true" : "false")
                switch kind {
                case .boolean: builder.append(boolean: value)
                case .string: builder.append(validText: UnsafeRawBufferPointer(rebasing: scanner.bytes[start..<scanner.position]))
                default: return false
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard kind == .nested || kind == .string else { return false }
                try builder.append(json: try scanner.value(depth: 1))
            default:
                guard kind == .number || kind == .string else { return false }
                let range = try scanner.number()
                try builder.append(text: UnsafeRawBufferPointer(rebasing: scanner.bytes[range]))
            }
            return true
        }
    }

    // MARK: - The tree path

    /// Appends one line's object read as a tree; false when it was blank or skipped as a bad
    /// row. Each key's last value counts.
    private func appendAsTree(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        let start = builders.first?.count ?? 0
        let json: JSONValue
        do {
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return false }
            if !UTF8Bytes.isValid(bytes) {
                throw JSONError(message: "the line is not valid UTF-8", offset: 0)
            }
            json = try JSONValue.parse(bytes)
        } catch let error as JSONError {
            try budget.record(BadRow(file: input.name, line: line, column: nil, message: "not a JSON object: \(error.message) (at character \(error.offset + 1))"))
            return false
        }
        guard case .object(let members) = json else {
            try budget.record(BadRow(file: input.name, line: line, column: nil, message: "the line is not a JSON object"))
            return false
        }
        // Each member's column, and the member each column takes: the last one with its key.
        var columns = [Int?](repeating: nil, count: members.count)
        var chosen = [Int](repeating: -1, count: builders.count)
        for (m, (key, _)) in members.enumerated() {
            var key = key
            guard let c = key.withUTF8({ keys.column(UnsafeRawBufferPointer($0)) }) else { continue }
            columns[m] = c
            chosen[c] = m
        }
        // In the members' order, so the first problem of the line is the one reported.
        for (m, (key, value)) in members.enumerated() {
            guard let c = columns[m] else {
                rollback(start)
                throw IngestError(.badInput, "\(input.shownName):\(line): key \(excerpt(key)) is not a column of the table (its columns: \(table.fields.map(\.name).joined(separator: ", "))); add it with --merge-schema or lake alter TABLE add-column")
            }
            provided[c] = true
            guard chosen[c] == m else { continue }
            if value == .null && !nullable[c] {
                rollback(start)
                try budget.record(BadRow(file: input.name, line: line, column: table.fields[c].name,
                                         message: "null in a column that does not allow nulls"))
                return false
            }
            do {
                try builders[c].append(json: value)
            } catch let error as CellError {
                rollback(start)
                try budget.record(BadRow(file: input.name, line: line, column: table.fields[c].name,
                                         message: "\(DisplayText.value(value.serialized())) is not \(error.expected)"))
                return false
            }
        }
        for c in builders.indices where chosen[c] < 0 {
            guard nullable[c] else {
                rollback(start)
                try budget.record(BadRow(file: input.name, line: line, column: table.fields[c].name,
                                         message: "the key is missing, and the column does not allow nulls"))
                return false
            }
            builders[c].appendNull()
        }
        return true
    }

    private func rollback(_ count: Int) {
        for b in builders { b.truncate(to: count) }
    }
}
