import Columnar
import LakeCore
import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// Infers a table schema from a sample of an input: long, double, boolean, date, timestamp
/// (ISO 8601 with an offset or `Z`), timestamp_ntz (without), decimal when asked, else string;
/// each column widened over every sampled value. Loading the whole input afterwards checks
/// the rest.
public enum SchemaInference {
    /// Rows sampled per input.
    public static let sampleRows = 100_000

    indirect enum Kind: Equatable {
        case null, boolean, long, double, date, timestamp, timestampNTZ, string
        case decimal(integerDigits: Int, scale: Int)
        case structure([(String, Kind)])
        case array(Kind)

        static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case (.null, .null), (.boolean, .boolean), (.long, .long), (.double, .double), (.date, .date),
                 (.timestamp, .timestamp), (.timestampNTZ, .timestampNTZ), (.string, .string): return true
            case (.decimal(let i, let s), .decimal(let j, let t)): return i == j && s == t
            case (.array(let x), .array(let y)): return x == y
            case (.structure(let x), .structure(let y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: return false
            }
        }

        /// The narrowest kind holding both.
        func merged(with other: Kind) -> Kind {
            switch (self, other) {
            case (.null, let k), (let k, .null): return k
            case _ where self == other: return self
            case (.long, .double), (.double, .long): return .double
            case (.decimal(let i, let s), .long), (.long, .decimal(let i, let s)): return .decimal(integerDigits: max(i, 19), scale: s)
            case (.decimal(let i, let s), .decimal(let j, let t)): return .decimal(integerDigits: max(i, j), scale: max(s, t))
            case (.decimal, .double), (.double, .decimal): return .double
            case (.array(let x), .array(let y)): return .array(x.merged(with: y))
            case (.structure(var fields), .structure(let y)):
                Kind.fold(y, into: &fields) { $0.merged(with: $1) }
                return .structure(fields)
            default: return .string
            }
        }

        /// Folds `fields` into `base`: a name already there, in any case, combines its kinds
        /// (`combine(old, new)`) and keeps the first spelling; a new name is appended.
        static func fold(_ fields: [(String, Kind)], into base: inout [(String, Kind)], combine: (Kind, Kind) -> Kind) {
            if base.count == fields.count && zip(base, fields).allSatisfy({ $0.0 == $1.0 }) {
                for i in fields.indices { base[i].1 = combine(base[i].1, fields[i].1) }
                return
            }
            var index: [String: Int] = [:]
            for (i, field) in base.enumerated() where index[field.0.lowercased()] == nil { index[field.0.lowercased()] = i }
            for (name, kind) in fields {
                let key = name.lowercased()
                if let i = index[key] { base[i].1 = combine(base[i].1, kind) } else { index[key] = base.count; base.append((name, kind)) }
            }
        }

        var type: DataType {
            switch self {
            case .null, .string: return .string
            case .boolean: return .boolean
            case .long: return .long
            case .double: return .double
            case .date: return .date
            case .timestamp: return .timestamp
            case .timestampNTZ: return .timestampNTZ
            case .decimal(let i, let s):
                // The widest precision, with the scale the sample shows: tomorrow's larger
                // amounts still fit (a sample of 999.99 must not make decimal(5,2)).
                return i + s <= DataType.maxDecimalPrecision ? .decimal(precision: DataType.maxDecimalPrecision, scale: s) : .double
            case .array(let element): return .array(element: element.type, containsNull: true)
            case .structure(let fields): return .struct(fields.map { Field($0.0, $0.1.type) })
            }
        }
    }

    /// The schema of `path` (`-` is not allowed: inference reads the input twice).
    public static func infer(_ path: String, options: IngestOptions) throws -> Schema {
        guard path != "-" else { throw IngestError(.invalidArgument, "create --from needs a file, not stdin") }
        // The input is read twice (a sample to infer from, then the load): a pipe would lose
        // the sample's rows. Anything else that is not a regular file fails when opened.
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFIFO || (st.st_mode & S_IFMT) == S_IFCHR {
            throw IngestError(.badInput, "\(DisplayText.path(path)) is a pipe or a device, which create --from cannot read twice "
                                         + "(once to infer the schema, once to load); create the table with --schema, then append it")
        }
        switch try Ingest.format(of: path, options) {
        case .parquet:
            return try ParquetInput.schema(path)
        case .json:
            // Input nested deeper than a table can hold is bad input (exit 1), refused before
            // a table is created for it.
            let schema = try inferNDJSON(path, options)
            do {
                _ = try ParquetSchema(writing: schema)
            } catch let error as ParquetError {
                throw IngestError(.badInput, "\(DisplayText.path(path)): the values cannot become table columns: \(error.message)")
            }
            return schema
        case .csv, .tsv:
            return try inferDelimited(path, options)
        }
    }

    static func classify(_ b: UnsafeRawBufferPointer, decimals: Bool) -> Kind {
        let t = TextParsing.trimmed(b)
        if t.isEmpty { return .null }
        if t.count <= 5, let first = t.first, first == UInt8(ascii: "t") || first == UInt8(ascii: "T") || first == UInt8(ascii: "f") || first == UInt8(ascii: "F") {
            let lower = String(decoding: t, as: UTF8.self).lowercased()
            if lower == "true" || lower == "false" { return .boolean }
        }
        if TextParsing.integer(t) != nil { return .long }
        if let d = TextParsing.double(t), d.isFinite || !t.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) {
            if decimals, !t.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }),
               let point = t.firstIndex(of: UInt8(ascii: ".")), d.isFinite {
                let digitsBefore = t[..<point].filter { $0 >= 0x30 && $0 <= 0x39 }.drop(while: { $0 == 0x30 }).count
                return .decimal(integerDigits: digitsBefore, scale: t.count - point - 1)
            }
            return .double
        }
        if t.count == 10, ValueText.parseDate(bytes: t) != nil { return .date }
        if let (_, hasOffset) = ValueText.parseTimestamp(bytes: t) { return hasOffset ? .timestamp : .timestampNTZ }
        return .string
    }

    static func inferDelimited(_ path: String, _ options: IngestOptions) throws -> Schema {
        var delimited = options.delimited
        if try Ingest.format(of: path, options) == .tsv && delimited.delimiter == UInt8(ascii: ",") { delimited.delimiter = 0x09 }
        let reader = try DelimitedReader(input: try InputStream(path: path), table: nil, options: delimited,
                                         budget: BadRowBudget(limit: options.maxBadRows))
        var kinds = [Kind](repeating: .null, count: reader.table.fields.count)
        var rows = 0
        while rows < sampleRows, let batch = try reader.next() {
            for (c, column) in batch.columns.enumerated() {
                guard case .bytes(let offsets, let bytes) = column.storage else { continue }
                bytes.withUnsafeBytes { b in
                    for r in 0..<column.count where !column.isNull(r) {
                        kinds[c] = kinds[c].merged(with: classify(UnsafeRawBufferPointer(rebasing: b[offsets[r]..<offsets[r + 1]]),
                                                                  decimals: options.inferDecimal))
                    }
                }
            }
            rows += batch.rowCount
        }
        guard rows > 0 else { throw IngestError(.badInput, "\(path): no rows to infer the columns' types from") }
        return Schema(zip(reader.table.fields, kinds).map { Field($0.name, $1.type) })
    }

    static func kind(of json: JSONValue, decimals: Bool) -> Kind {
        switch json {
        case .null: return .null
        case .bool: return .boolean
        case .number(let n):
            var utf8 = Array(n.utf8)
            return utf8.withUnsafeMutableBytes { classify(UnsafeRawBufferPointer($0), decimals: decimals) }
        case .string(let s):
            var utf8 = Array(s.utf8)
            let k = utf8.withUnsafeMutableBytes { classify(UnsafeRawBufferPointer($0), decimals: false) }
            switch k {
            case .date, .timestamp, .timestampNTZ, .null: return k == .null ? .string : k
            default: return .string
            }
        case .array(let items):
            return .array(items.reduce(Kind.null) { $0.merged(with: kind(of: $1, decimals: decimals)) })
        case .object(let members):
            // A key repeated (in any case) is one field: its last value decides, as append loads it.
            var fields: [(String, Kind)] = []
            Kind.fold(members.map { ($0.0, kind(of: $0.1, decimals: decimals)) }, into: &fields) { $1 }
            return .structure(fields)
        }
    }

    static func inferNDJSON(_ path: String, _ options: IngestOptions) throws -> Schema {
        let input = try InputStream(path: path)
        var buffer: [UInt8] = []
        var merged = Kind.structure([])
        var rows = 0
        var line = 0
        var eof = false
        var start = 0
        while rows < sampleRows {
            if let nl = buffer[start...].firstIndex(of: 0x0A) ?? (eof && start < buffer.count ? buffer.count : nil) {
                line += 1
                let range = start..<nl
                start = min(buffer.count, nl + 1)
                let text = buffer[range]
                if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                let json: JSONValue
                do {
                    json = try text.withUnsafeBytes { raw in
                        var r = raw
                        if line == 1 && raw.starts(with: [0xEF, 0xBB, 0xBF]) { r = UnsafeRawBufferPointer(rebasing: raw[3...]) }
                        return try JSONValue.parse(r)
                    }
                } catch let error as JSONError {
                    throw IngestError(.badInput, "\(path):\(line): not a JSON object: \(error.message)")
                }
                guard case .object = json else { throw IngestError(.badInput, "\(path):\(line): the line is not a JSON object") }
                merged = merged.merged(with: kind(of: json, decimals: options.inferDecimal))
                rows += 1
                continue
            }
            if eof { break }
            buffer.removeSubrange(0..<start)
            start = 0
            if try !input.read(into: &buffer) { eof = true }
        }
        guard rows > 0, case .struct(let fields) = merged.type, !fields.isEmpty else {
            throw IngestError(.badInput, "\(path): no rows (the file is empty)")
        }
        return Schema(fields)
    }
}

extension ParquetInput {
    /// A Parquet file's schema (its supported columns).
    static func schema(_ path: String) throws -> Schema {
        do {
            let reader = try ParquetReader(path: path)
            if let (column, reason) = reader.schema.unsupportedColumns.first {
                throw IngestError(.badInput, "\(path): column '\(column)': \(reason)")
            }
            return reader.schema.schema
        } catch let error as ParquetError {
            throw IngestError(error.kind == .notFound ? .notFound : .badInput, "\(error)")
        }
    }
}
