/// Parquet's file metadata structures (`parquet.thrift`), with just the fields this project
/// reads or writes. Unknown fields are skipped on read.

/// Physical storage types.
public enum PhysicalType: Int32, Sendable, CustomStringConvertible {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5
    case byteArray = 6, fixedLenByteArray = 7

    public var description: String {
        switch self {
        case .boolean: return "BOOLEAN"
        case .int32: return "INT32"
        case .int64: return "INT64"
        case .int96: return "INT96"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .byteArray: return "BYTE_ARRAY"
        case .fixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY"
        }
    }
}

/// Value and level encodings.
public enum Encoding: Int32, Sendable, CustomStringConvertible {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5
    case deltaLengthByteArray = 6, deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9

    public var description: String {
        switch self {
        case .plain: return "PLAIN"
        case .plainDictionary: return "PLAIN_DICTIONARY"
        case .rle: return "RLE"
        case .bitPacked: return "BIT_PACKED"
        case .deltaBinaryPacked: return "DELTA_BINARY_PACKED"
        case .deltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY"
        case .deltaByteArray: return "DELTA_BYTE_ARRAY"
        case .rleDictionary: return "RLE_DICTIONARY"
        case .byteStreamSplit: return "BYTE_STREAM_SPLIT"
        }
    }
}

/// Page compression codecs.
public enum CompressionCodec: Int32, Sendable, CustomStringConvertible {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7

    public var description: String {
        switch self {
        case .uncompressed: return "UNCOMPRESSED"
        case .snappy: return "SNAPPY"
        case .gzip: return "GZIP"
        case .lzo: return "LZO"
        case .brotli: return "BROTLI"
        case .lz4: return "LZ4"
        case .zstd: return "ZSTD"
        case .lz4Raw: return "LZ4_RAW"
        }
    }
}

public enum Repetition: Int32, Sendable {
    case required = 0, optional = 1, repeated = 2
}

/// The legacy type annotation, still written for readers that predate `LogicalType`.
public enum ConvertedType: Int32, Sendable {
    case utf8 = 0, map = 1, mapKeyValue = 2, list = 3, enumeration = 4, decimal = 5, date = 6
    case timeMillis = 7, timeMicros = 8, timestampMillis = 9, timestampMicros = 10
    case uint8 = 11, uint16 = 12, uint32 = 13, uint64 = 14, int8 = 15, int16 = 16, int32 = 17
    case int64 = 18, json = 19, bson = 20, interval = 21
}

public enum TimeUnit: Sendable, Equatable {
    case millis, micros, nanos
}

/// The modern type annotation (a Thrift union).
public enum LogicalType: Sendable, Equatable {
    case string, map, list, enumeration, date, json, bson, uuid, float16, unknown
    case decimal(precision: Int32, scale: Int32)
    case time(isAdjustedToUTC: Bool, unit: TimeUnit)
    case timestamp(isAdjustedToUTC: Bool, unit: TimeUnit)
    case integer(bitWidth: Int8, isSigned: Bool)
    /// A union member this reader does not know (variant, geometry, …), by field id.
    case other(Int16)
}

public struct SchemaElement: Sendable {
    public var type: PhysicalType?
    public var typeLength: Int32?
    public var repetition: Repetition?
    public var name: String = ""
    public var numChildren: Int32?
    public var convertedType: ConvertedType?
    public var scale: Int32?
    public var precision: Int32?
    public var fieldID: Int32?
    public var logicalType: LogicalType?
}

public struct Statistics: Sendable {
    /// Deprecated min/max (signed order only); read as a fallback.
    public var legacyMax: [UInt8]?
    public var legacyMin: [UInt8]?
    public var nullCount: Int64?
    public var distinctCount: Int64?
    public var maxValue: [UInt8]?
    public var minValue: [UInt8]?

    public init() {}
}

public struct ColumnMetaData: Sendable {
    public var type: PhysicalType = .int32
    public var encodings: [Encoding] = []
    public var pathInSchema: [String] = []
    public var codec: CompressionCodec = .uncompressed
    public var numValues: Int64 = 0
    public var totalUncompressedSize: Int64 = 0
    public var totalCompressedSize: Int64 = 0
    public var dataPageOffset: Int64 = 0
    public var indexPageOffset: Int64?
    public var dictionaryPageOffset: Int64?
    public var statistics: Statistics?
}

public struct ColumnChunk: Sendable {
    public var filePath: String?
    public var fileOffset: Int64 = 0
    public var metaData: ColumnMetaData?
}

public struct RowGroup: Sendable {
    public var columns: [ColumnChunk] = []
    public var totalByteSize: Int64 = 0
    public var numRows: Int64 = 0
    public var fileOffset: Int64?
    public var totalCompressedSize: Int64?
    public var ordinal: Int16?
}

public struct KeyValue: Sendable {
    public var key: String
    public var value: String?
}

public struct FileMetaData: Sendable {
    public var version: Int32 = 1
    public var schema: [SchemaElement] = []
    public var numRows: Int64 = 0
    public var rowGroups: [RowGroup] = []
    public var keyValueMetadata: [KeyValue] = []
    public var createdBy: String?
    /// One entry per leaf column; `true` means TYPE_DEFINED_ORDER.
    public var columnOrders: [Bool]?
}

public enum PageType: Int32, Sendable {
    case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
}

struct DataPageHeader: Sendable {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelEncoding: Int32 = 3
    var repetitionLevelEncoding: Int32 = 3
}

struct DictionaryPageHeader: Sendable {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
}

struct DataPageHeaderV2: Sendable {
    var numValues: Int32 = 0
    var numNulls: Int32 = 0
    var numRows: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelsByteLength: Int32 = 0
    var repetitionLevelsByteLength: Int32 = 0
    var isCompressed = true
}

struct PageHeader: Sendable {
    var type: Int32 = 0
    var uncompressedPageSize: Int32 = 0
    var compressedPageSize: Int32 = 0
    var crc: Int32?
    var dataPage: DataPageHeader?
    var dictionaryPage: DictionaryPageHeader?
    var dataPageV2: DataPageHeaderV2?
}

// MARK: - Writing

extension ThriftWriter {
    mutating func write(_ s: Statistics) {
        if let v = s.legacyMax { field(1, binary: v) }
        if let v = s.legacyMin { field(2, binary: v) }
        if let v = s.nullCount { field(3, i64: v) }
        if let v = s.distinctCount { field(4, i64: v) }
        if let v = s.maxValue { field(5, binary: v) }
        if let v = s.minValue { field(6, binary: v) }
    }

    mutating func write(_ e: SchemaElement) {
        if let v = e.type { field(1, i32: v.rawValue) }
        if let v = e.typeLength { field(2, i32: v) }
        if let v = e.repetition { field(3, i32: v.rawValue) }
        field(4, string: e.name)
        if let v = e.numChildren { field(5, i32: v) }
        if let v = e.convertedType { field(6, i32: v.rawValue) }
        if let v = e.scale { field(7, i32: v) }
        if let v = e.precision { field(8, i32: v) }
        if let v = e.fieldID { field(9, i32: v) }
        if let logical = e.logicalType {
            field(10) { w in w.write(logical) }
        }
    }

    mutating func write(_ t: LogicalType) {
        func unit(_ u: TimeUnit) -> (inout ThriftWriter) -> Void {
            { w in
                switch u {
                case .millis: w.field(1) { _ in }
                case .micros: w.field(2) { _ in }
                case .nanos: w.field(3) { _ in }
                }
            }
        }
        switch t {
        case .string: field(1) { _ in }
        case .map: field(2) { _ in }
        case .list: field(3) { _ in }
        case .enumeration: field(4) { _ in }
        case .decimal(let p, let s): field(5) { w in w.field(1, i32: s); w.field(2, i32: p) }
        case .date: field(6) { _ in }
        case .time(let utc, let u): field(7) { w in w.field(1, bool: utc); w.field(2, struct: unit(u)) }
        case .timestamp(let utc, let u): field(8) { w in w.field(1, bool: utc); w.field(2, struct: unit(u)) }
        case .integer(let width, let signed): field(10) { w in w.field(1, byte: width); w.field(2, bool: signed) }
        case .unknown: field(11) { _ in }
        case .json: field(12) { _ in }
        case .bson: field(13) { _ in }
        case .uuid: field(14) { _ in }
        case .float16: field(15) { _ in }
        case .other(let id): field(id) { _ in }
        }
    }

    mutating func write(_ m: ColumnMetaData) {
        field(1, i32: m.type.rawValue)
        field(2, list: .i32, count: m.encodings.count) { w in for e in m.encodings { w.element(i32: e.rawValue) } }
        field(3, list: .binary, count: m.pathInSchema.count) { w in for p in m.pathInSchema { w.element(string: p) } }
        field(4, i32: m.codec.rawValue)
        field(5, i64: m.numValues)
        field(6, i64: m.totalUncompressedSize)
        field(7, i64: m.totalCompressedSize)
        field(9, i64: m.dataPageOffset)
        if let v = m.indexPageOffset { field(10, i64: v) }
        if let v = m.dictionaryPageOffset { field(11, i64: v) }
        if let s = m.statistics { field(12) { w in w.write(s) } }
    }

    mutating func write(_ f: FileMetaData) {
        field(1, i32: f.version)
        field(2, list: .struct, count: f.schema.count) { w in
            for e in f.schema { w.writeStruct { $0.write(e) } }
        }
        field(3, i64: f.numRows)
        field(4, list: .struct, count: f.rowGroups.count) { w in
            for rg in f.rowGroups {
                w.writeStruct { w in
                    w.field(1, list: .struct, count: rg.columns.count) { w in
                        for c in rg.columns {
                            w.writeStruct { w in
                                if let p = c.filePath { w.field(1, string: p) }
                                w.field(2, i64: c.fileOffset)
                                if let m = c.metaData { w.field(3) { $0.write(m) } }
                            }
                        }
                    }
                    w.field(2, i64: rg.totalByteSize)
                    w.field(3, i64: rg.numRows)
                    if let v = rg.fileOffset { w.field(5, i64: v) }
                    if let v = rg.totalCompressedSize { w.field(6, i64: v) }
                    if let v = rg.ordinal { w.field(7, i32: Int32(v)) }
                }
            }
        }
        if !f.keyValueMetadata.isEmpty {
            field(5, list: .struct, count: f.keyValueMetadata.count) { w in
                for kv in f.keyValueMetadata {
                    w.writeStruct { w in
                        w.field(1, string: kv.key)
                        if let v = kv.value { w.field(2, string: v) }
                    }
                }
            }
        }
        if let v = f.createdBy { field(6, string: v) }
        if let orders = f.columnOrders {
            field(7, list: .struct, count: orders.count) { w in
                for _ in orders { w.writeStruct { $0.field(1) { _ in } } }
            }
        }
    }

    mutating func write(_ h: PageHeader) {
        field(1, i32: h.type)
        field(2, i32: h.uncompressedPageSize)
        field(3, i32: h.compressedPageSize)
        if let v = h.crc { field(4, i32: v) }
        if let d = h.dataPage {
            field(5) { w in
                w.field(1, i32: d.numValues)
                w.field(2, i32: d.encoding)
                w.field(3, i32: d.definitionLevelEncoding)
                w.field(4, i32: d.repetitionLevelEncoding)
            }
        }
        if let d = h.dictionaryPage {
            field(7) { w in
                w.field(1, i32: d.numValues)
                w.field(2, i32: d.encoding)
            }
        }
        if let d = h.dataPageV2 {
            field(8) { w in
                w.field(1, i32: d.numValues)
                w.field(2, i32: d.numNulls)
                w.field(3, i32: d.numRows)
                w.field(4, i32: d.encoding)
                w.field(5, i32: d.definitionLevelsByteLength)
                w.field(6, i32: d.repetitionLevelsByteLength)
                w.field(7, bool: d.isCompressed)
            }
        }
    }
}

// MARK: - Reading

extension ThriftReader {
    private mutating func enumValue<E: RawRepresentable>(_: E.Type, _ what: String) throws -> E where E.RawValue == Int32 {
        let raw = try i32()
        guard let v = E(rawValue: raw) else {
            throw ParquetError.corrupt("unknown \(what) \(raw)", offset: baseOffset + position)
        }
        return v
    }

    mutating func readStatistics() throws -> Statistics {
        var s = Statistics()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .binary): s.legacyMax = try r.binary()
            case (2, .binary): s.legacyMin = try r.binary()
            case (3, .i64): s.nullCount = try r.i64()
            case (4, .i64): s.distinctCount = try r.i64()
            case (5, .binary): s.maxValue = try r.binary()
            case (6, .binary): s.minValue = try r.binary()
            default: try r.skip(t)
            }
        }
        return s
    }

    private mutating func readTimeUnit() throws -> TimeUnit {
        var unit = TimeUnit.millis
        try readStruct { r, id, t in
            switch id {
            case 1: unit = .millis
            case 2: unit = .micros
            case 3: unit = .nanos
            default: break
            }
            try r.skip(t)
        }
        return unit
    }

    mutating func readLogicalType() throws -> LogicalType? {
        var result: LogicalType?
        try readStruct { r, id, t in
            guard t == .struct else { try r.skip(t); return }
            switch id {
            case 1: result = .string; try r.skip(t)
            case 2: result = .map; try r.skip(t)
            case 3: result = .list; try r.skip(t)
            case 4: result = .enumeration; try r.skip(t)
            case 5:
                var p: Int32 = 0, s: Int32 = 0
                try r.readStruct { r, id, t in
                    switch (id, t) {
                    case (1, .i32): s = try r.i32()
                    case (2, .i32): p = try r.i32()
                    default: try r.skip(t)
                    }
                }
                result = .decimal(precision: p, scale: s)
            case 6: result = .date; try r.skip(t)
            case 7, 8:
                var utc = false, unit = TimeUnit.millis
                try r.readStruct { r, fid, ft in
                    switch (fid, ft) {
                    case (1, .boolTrue), (1, .boolFalse): utc = try r.bool(ft)
                    case (2, .struct): unit = try r.readTimeUnit()
                    default: try r.skip(ft)
                    }
                }
                result = id == 7 ? .time(isAdjustedToUTC: utc, unit: unit) : .timestamp(isAdjustedToUTC: utc, unit: unit)
            case 10:
                var width: Int8 = 0, signed = true
                try r.readStruct { r, fid, ft in
                    switch (fid, ft) {
                    case (1, .byte): width = Int8(bitPattern: try r.byte())
                    case (2, .boolTrue), (2, .boolFalse): signed = try r.bool(ft)
                    default: try r.skip(ft)
                    }
                }
                result = .integer(bitWidth: width, isSigned: signed)
            case 11: result = .unknown; try r.skip(t)
            case 12: result = .json; try r.skip(t)
            case 13: result = .bson; try r.skip(t)
            case 14: result = .uuid; try r.skip(t)
            case 15: result = .float16; try r.skip(t)
            default: result = .other(id); try r.skip(t)
            }
        }
        return result
    }

    mutating func readSchemaElement() throws -> SchemaElement {
        var e = SchemaElement()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .i32): e.type = try r.enumValue(PhysicalType.self, "physical type")
            case (2, .i32): e.typeLength = try r.i32()
            case (3, .i32): e.repetition = try r.enumValue(Repetition.self, "repetition")
            case (4, .binary): e.name = try r.string()
            case (5, .i32): e.numChildren = try r.i32()
            case (6, .i32): e.convertedType = ConvertedType(rawValue: try r.i32())
            case (7, .i32): e.scale = try r.i32()
            case (8, .i32): e.precision = try r.i32()
            case (9, .i32): e.fieldID = try r.i32()
            case (10, .struct): e.logicalType = try r.readLogicalType()
            default: try r.skip(t)
            }
        }
        return e
    }

    mutating func readColumnMetaData() throws -> ColumnMetaData {
        var m = ColumnMetaData()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .i32): m.type = try r.enumValue(PhysicalType.self, "physical type")
            case (2, .list): m.encodings = try r.list { r, _ in Encoding(rawValue: try r.i32()) }.compactMap { $0 }
            case (3, .list): m.pathInSchema = try r.list { r, _ in try r.string() }
            case (4, .i32): m.codec = try r.enumValue(CompressionCodec.self, "compression codec")
            case (5, .i64): m.numValues = try r.i64()
            case (6, .i64): m.totalUncompressedSize = try r.i64()
            case (7, .i64): m.totalCompressedSize = try r.i64()
            case (9, .i64): m.dataPageOffset = try r.i64()
            case (10, .i64): m.indexPageOffset = try r.i64()
            case (11, .i64): m.dictionaryPageOffset = try r.i64()
            case (12, .struct): m.statistics = try r.readStatistics()
            default: try r.skip(t)
            }
        }
        return m
    }

    mutating func readRowGroup() throws -> RowGroup {
        var g = RowGroup()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .list):
                g.columns = try r.list { r, _ in
                    var c = ColumnChunk()
                    try r.readStruct { r, id, t in
                        switch (id, t) {
                        case (1, .binary): c.filePath = try r.string()
                        case (2, .i64): c.fileOffset = try r.i64()
                        case (3, .struct): c.metaData = try r.readColumnMetaData()
                        default: try r.skip(t)
                        }
                    }
                    return c
                }
            case (2, .i64): g.totalByteSize = try r.i64()
            case (3, .i64): g.numRows = try r.i64()
            case (5, .i64): g.fileOffset = try r.i64()
            case (6, .i64): g.totalCompressedSize = try r.i64()
            case (7, .i16), (7, .i32): g.ordinal = Int16(truncatingIfNeeded: try r.i64())
            default: try r.skip(t)
            }
        }
        return g
    }

    mutating func readFileMetaData() throws -> FileMetaData {
        var f = FileMetaData()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .i32): f.version = try r.i32()
            case (2, .list): f.schema = try r.list { r, _ in try r.readSchemaElement() }
            case (3, .i64): f.numRows = try r.i64()
            case (4, .list): f.rowGroups = try r.list { r, _ in try r.readRowGroup() }
            case (5, .list):
                f.keyValueMetadata = try r.list { r, _ in
                    var kv = KeyValue(key: "", value: nil)
                    try r.readStruct { r, id, t in
                        switch (id, t) {
                        case (1, .binary): kv.key = try r.string()
                        case (2, .binary): kv.value = try r.string()
                        default: try r.skip(t)
                        }
                    }
                    return kv
                }
            case (6, .binary): f.createdBy = try r.string()
            case (7, .list):
                f.columnOrders = try r.list { r, _ in
                    var typeDefined = false
                    try r.readStruct { r, id, t in
                        if id == 1 { typeDefined = true }
                        try r.skip(t)
                    }
                    return typeDefined
                }
            default: try r.skip(t)
            }
        }
        return f
    }

    mutating func readPageHeader() throws -> PageHeader {
        var h = PageHeader()
        try readStruct { r, id, t in
            switch (id, t) {
            case (1, .i32): h.type = try r.i32()
            case (2, .i32): h.uncompressedPageSize = try r.i32()
            case (3, .i32): h.compressedPageSize = try r.i32()
            case (4, .i32): h.crc = try r.i32()
            case (5, .struct):
                var d = DataPageHeader()
                try r.readStruct { r, id, t in
                    switch (id, t) {
                    case (1, .i32): d.numValues = try r.i32()
                    case (2, .i32): d.encoding = try r.i32()
                    case (3, .i32): d.definitionLevelEncoding = try r.i32()
                    case (4, .i32): d.repetitionLevelEncoding = try r.i32()
                    default: try r.skip(t)
                    }
                }
                h.dataPage = d
            case (7, .struct):
                var d = DictionaryPageHeader()
                try r.readStruct { r, id, t in
                    switch (id, t) {
                    case (1, .i32): d.numValues = try r.i32()
                    case (2, .i32): d.encoding = try r.i32()
                    default: try r.skip(t)
                    }
                }
                h.dictionaryPage = d
            case (8, .struct):
                var d = DataPageHeaderV2()
                try r.readStruct { r, id, t in
                    switch (id, t) {
                    case (1, .i32): d.numValues = try r.i32()
                    case (2, .i32): d.numNulls = try r.i32()
                    case (3, .i32): d.numRows = try r.i32()
                    case (4, .i32): d.encoding = try r.i32()
                    case (5, .i32): d.definitionLevelsByteLength = try r.i32()
                    case (6, .i32): d.repetitionLevelsByteLength = try r.i32()
                    case (7, .boolTrue), (7, .boolFalse): d.isCompressed = try r.bool(t)
                    default: try r.skip(t)
                    }
                }
                h.dataPageV2 = d
            default: try r.skip(t)
            }
        }
        return h
    }
}
