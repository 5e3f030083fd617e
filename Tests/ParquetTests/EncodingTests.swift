import Testing
@testable import Parquet

@Suite struct RLEHybridTests {
    func roundTrip(_ values: [UInt32], width: Int) throws -> [UInt32] {
        var encoded: [UInt8] = []
        values.withUnsafeBufferPointer { RLEHybrid.encode($0, width: width, into: &encoded) }
        return try encoded.withUnsafeBytes { raw in
            var decoder = try RLEHybridDecoder(raw, range: 0..<raw.count, width: width)
            var out = [UInt32](repeating: 0, count: values.count)
            try out.withUnsafeMutableBufferPointer { try decoder.decode(into: $0) }
            return out
        }
    }

    @Test(arguments: [0, 1, 2, 3, 7, 8, 13, 20, 32])
    func roundTripsMixedRunsAndLiterals(width: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let maxValue: UInt64 = width == 0 ? 0 : (width == 32 ? UInt64(UInt32.max) : (1 << UInt64(width)) - 1)
        var values: [UInt32] = []
        while values.count < 5000 {
            let v = UInt32(UInt64.random(in: 0...maxValue, using: &generator))
            let run = Int.random(in: 1...(Bool.random() ? 3 : 40), using: &generator)
            values += repeatElement(v, count: run)
        }
        #expect(try roundTrip(values, width: width) == values)
    }

    @Test func constantRunIsOneShortRun() {
        var encoded: [UInt8] = []
        let values = [UInt8](repeating: 1, count: 100_000)
        values.withUnsafeBufferPointer { RLEHybrid.encode($0, width: 1, into: &encoded) }
        #expect(encoded.count <= 4)
    }

    @Test func truncatedStreamIsAnError() throws {
        var encoded: [UInt8] = []
        let values = (0..<64).map { UInt32($0 % 5) }
        values.withUnsafeBufferPointer { RLEHybrid.encode($0, width: 3, into: &encoded) }
        let cut = Array(encoded.prefix(encoded.count / 2))
        let error = #expect(throws: ParquetError.self) {
            try cut.withUnsafeBytes { raw in
                var decoder = try RLEHybridDecoder(raw, range: 0..<raw.count, width: 3)
                var out = [UInt32](repeating: 0, count: 64)
                try out.withUnsafeMutableBufferPointer { try decoder.decode(into: $0) }
            }
        }
        #expect(error?.kind == .corrupt)
    }

    @Test func valuesAboveTheMaximumAreRejected() throws {
        var encoded: [UInt8] = []
        let values: [UInt32] = [0, 1, 2, 3, 4, 5, 6, 7]
        values.withUnsafeBufferPointer { RLEHybrid.encode($0, width: 3, into: &encoded) }
        let error = #expect(throws: ParquetError.self) {
            try encoded.withUnsafeBytes { raw in
                var decoder = try RLEHybridDecoder(raw, range: 0..<raw.count, width: 3)
                var out = [UInt32](repeating: 0, count: 8)
                try out.withUnsafeMutableBufferPointer { try decoder.decode(into: $0, maxValue: 5) }
            }
        }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains("exceeds 5") == true)
    }
}

@Suite struct PlainTests {
    @Test func byteArraysRoundTrip() throws {
        let values = LeafValues.byteArray(offsets: [0, 3, 3, 7], bytes: Array("abcdefg".utf8))
        var encoded: [UInt8] = []
        Plain.encode(values, 0..<3, into: &encoded)
        #expect(encoded.count == 3 * 4 + 7)
        var decoded = LeafValues.empty(.byteArray, width: 0)
        try encoded.withUnsafeBytes { _ = try Plain.decode($0, range: 0..<$0.count, count: 3, into: &decoded) }
        guard case .byteArray(let offsets, let bytes) = decoded else { Issue.record("wrong type"); return }
        #expect(offsets == [0, 3, 3, 7])
        #expect(bytes == Array("abcdefg".utf8))
    }

    @Test func lengthsPastThePageAreErrors() {
        let encoded: [UInt8] = [0xFF, 0xFF, 0xFF, 0x7F, 1, 2]
        var decoded = LeafValues.empty(.byteArray, width: 0)
        let error = #expect(throws: ParquetError.self) {
            try encoded.withUnsafeBytes { _ = try Plain.decode($0, range: 0..<$0.count, count: 1, into: &decoded) }
        }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains("runs past the page") == true)
    }

    @Test func booleansArePackedLeastSignificantBitFirst() {
        var encoded: [UInt8] = []
        Plain.encode(.boolean([true, false, true, true, false, false, false, false, true]), 0..<9, into: &encoded)
        #expect(encoded == [0b0000_1101, 0b0000_0001])
    }
}

@Suite struct ThriftTests {
    @Test func fileMetadataRoundTrips() throws {
        var meta = FileMetaData()
        meta.numRows = 1234
        meta.createdBy = "lake test"
        var root = SchemaElement()
        root.name = "schema"
        root.numChildren = 1
        var leaf = SchemaElement()
        leaf.name = "ts"
        leaf.type = .int64
        leaf.repetition = .optional
        leaf.logicalType = .timestamp(isAdjustedToUTC: true, unit: .micros)
        leaf.convertedType = .timestampMicros
        meta.schema = [root, leaf]
        meta.columnOrders = [true]
        var w = ThriftWriter()
        w.writeStruct { $0.write(meta) }
        let decoded = try w.bytes.withUnsafeBytes { raw -> FileMetaData in
            var r = ThriftReader(raw)
            return try r.readFileMetaData()
        }
        #expect(decoded.numRows == 1234)
        #expect(decoded.createdBy == "lake test")
        #expect(decoded.schema.count == 2)
        #expect(decoded.schema[1].logicalType == .timestamp(isAdjustedToUTC: true, unit: .micros))
        #expect(decoded.columnOrders == [true])
    }

    @Test func hostileListLengthIsAnError() {
        // A struct whose field 2 is a list claiming 2^31 elements in a 6-byte buffer.
        let bytes: [UInt8] = [0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0x07]
        let error = #expect(throws: ParquetError.self) {
            try bytes.withUnsafeBytes { raw in
                var r = ThriftReader(raw)
                _ = try r.readFileMetaData()
            }
        }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains("longer than the data") == true)
    }

    @Test func deepNestingIsAnError() {
        let bytes = [UInt8](repeating: 0x1C, count: 200)  // struct field inside struct field …
        let error = #expect(throws: ParquetError.self) {
            try bytes.withUnsafeBytes { raw in
                var r = ThriftReader(raw)
                _ = try r.readFileMetaData()
            }
        }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains("nesting") == true)
    }
}
