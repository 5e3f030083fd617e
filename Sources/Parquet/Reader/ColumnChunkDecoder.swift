/// Decodes one column chunk's pages into levels and dense values (a ``LeafChunk``).
///
/// Handles dictionary pages, data pages v1 and v2, the codecs of ``Codec`` and the value
/// encodings PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, RLE (booleans),
/// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
/// Every size and count read from the file is checked before it is used.
///
/// Three steps, so that the pages of a whole row group can be decoded in parallel:
/// ``layout(codec:)`` walks the page headers and decodes the dictionary (one per chunk),
/// ``decodePage(_:_:codec:)`` decodes one data page (any order, any thread), and ``merge(_:)``
/// joins the pages.
struct ColumnChunkDecoder: @unchecked Sendable {
    let file: UnsafeRawBufferPointer
    let leaf: LeafDescriptor
    let meta: ColumnMetaData
    /// Rows in the row group: a flat column has exactly this many entries.
    let rowCount: Int

    static let maxPageEntries = 1 << 24
    static let maxPageSize = 1 << 30

    /// Where a data page is: its header, the offset of the header, the body's byte range.
    struct PageRef: Sendable {
        var header: PageHeader
        var offset: Int
        var body: Range<Int>
    }

    struct Layout: Sendable {
        var dictionary: LeafValues?
        var pages: [PageRef]
    }

    func layout(codec: Codec) throws -> Layout {
        var start = Int(meta.dataPageOffset)
        if let dict = meta.dictionaryPageOffset, dict > 0, dict < meta.dataPageOffset { start = Int(dict) }
        let length = Int(meta.totalCompressedSize)
        guard start >= 4, length >= 0, start <= file.count, length <= file.count - start else {
            throw ParquetError.corrupt("column chunk \(leaf.path.joined(separator: ".")) lies outside the file",
                                       offset: max(0, start))
        }
        let end = start + length
        var layout = Layout(dictionary: nil, pages: [])
        var position = start
        // Entries announced by the page headers; checked against the row group before any
        // page is decoded, so a hostile file cannot make us allocate for phantom rows.
        var entries = 0
        let entryLimit = leaf.maxRepetitionLevel == 0 ? rowCount : Int(Int32.max)
        let expected = Int(meta.numValues)
        while position < end && entries < expected {
            var reader = ThriftReader(UnsafeRawBufferPointer(rebasing: file[position..<end]), baseOffset: position)
            let header = try reader.readPageHeader()
            let bodyStart = position + reader.position
            let compressedSize = Int(header.compressedPageSize)
            let uncompressedSize = Int(header.uncompressedPageSize)
            guard compressedSize >= 0, compressedSize <= end - bodyStart else {
                throw ParquetError.corrupt("page of \(compressedSize) bytes runs past its column chunk", offset: position)
            }
            guard uncompressedSize >= 0, uncompressedSize <= Self.maxPageSize else {
                throw ParquetError.corrupt("page claims \(uncompressedSize) uncompressed bytes", offset: position)
            }
            let body = bodyStart..<bodyStart + compressedSize
            switch PageType(rawValue: header.type) {
            case .dictionaryPage:
                guard let h = header.dictionaryPage else { throw ParquetError.corrupt("dictionary page without its header", offset: position) }
                guard layout.dictionary == nil else { throw ParquetError.corrupt("second dictionary page in a column chunk", offset: position) }
                guard h.numValues >= 0, Int(h.numValues) <= Self.maxPageEntries else {
                    throw ParquetError.corrupt("dictionary of \(h.numValues) values", offset: position)
                }
                do {
                    let raw = try codec.decompress(UnsafeRawBufferPointer(rebasing: file[body]), codec: meta.codec,
                                                   uncompressedSize: uncompressedSize)
                    var values = LeafValues.empty(leaf.physicalType, width: leaf.typeLength)
                    try raw.withUnsafeBytes {
                        _ = try Plain.decode($0, range: 0..<$0.count, count: Int(h.numValues), into: &values)
                    }
                    layout.dictionary = values
                } catch var error as ParquetError {
                    if error.offset == nil { error.offset = position }
                    throw error
                }
            case .dataPage, .dataPageV2:
                let numValues = header.dataPage?.numValues ?? header.dataPageV2?.numValues
                guard let numValues else { throw ParquetError.corrupt("data page without its header", offset: position) }
                entries += try checkedEntries(numValues, entries, entryLimit)
                layout.pages.append(PageRef(header: header, offset: position, body: body))
            case .indexPage, .none:
                break  // not needed for reading values
            }
            position = body.upperBound
        }
        return layout
    }

    /// Decodes one data page into its levels and values.
    func decodePage(_ page: PageRef, _ dictionary: LeafValues?, codec: Codec) throws -> LeafChunk {
        do {
            return try decodePageUnchecked(page, dictionary, codec: codec)
        } catch var error as ParquetError {
            if error.offset == nil { error.offset = page.offset }
            throw error
        }
    }

    private func decodePageUnchecked(_ page: PageRef, _ dictionary: LeafValues?, codec: Codec) throws -> LeafChunk {
        let maxDef = leaf.maxDefinitionLevel, maxRep = leaf.maxRepetitionLevel
        let body = UnsafeRawBufferPointer(rebasing: file[page.body])
        let uncompressedSize = Int(page.header.uncompressedPageSize)
        var chunk = LeafChunk(values: .empty(leaf.physicalType, width: leaf.typeLength))
        if let h = page.header.dataPage {
            let entries = Int(h.numValues)
            let raw = try codec.decompress(body, codec: meta.codec, uncompressedSize: uncompressedSize)
            try raw.withUnsafeBytes { bytes in
                var p = 0
                if maxRep > 0 {
                    p = try decodeLevels(bytes, p, v1Length: nil, count: entries, max: maxRep,
                                         encoding: h.repetitionLevelEncoding, into: &chunk.repetitionLevels)
                }
                if maxDef > 0 {
                    p = try decodeLevels(bytes, p, v1Length: nil, count: entries, max: maxDef,
                                         encoding: h.definitionLevelEncoding, into: &chunk.definitionLevels)
                }
                try decodeValues(bytes, p..<bytes.count, count: presentCount(chunk, entries: entries),
                                 encoding: h.encoding, dictionary: dictionary, into: &chunk.values)
            }
            chunk.entryCount = entries
        } else if let h = page.header.dataPageV2 {
            let entries = Int(h.numValues)
            let repLength = Int(h.repetitionLevelsByteLength), defLength = Int(h.definitionLevelsByteLength)
            guard repLength >= 0, defLength >= 0, repLength + defLength <= body.count,
                  repLength + defLength <= uncompressedSize else {
                throw ParquetError.corrupt("data page v2 level lengths exceed the page")
            }
            if maxRep > 0 {
                _ = try decodeLevels(body, 0, v1Length: repLength, count: entries, max: maxRep,
                                     encoding: Encoding.rle.rawValue, into: &chunk.repetitionLevels)
            }
            if maxDef > 0 {
                _ = try decodeLevels(body, repLength, v1Length: defLength, count: entries, max: maxDef,
                                     encoding: Encoding.rle.rawValue, into: &chunk.definitionLevels)
            }
            let valueBody = UnsafeRawBufferPointer(rebasing: body[(repLength + defLength)...])
            let raw = try codec.decompress(valueBody, codec: h.isCompressed ? meta.codec : .uncompressed,
                                           uncompressedSize: uncompressedSize - repLength - defLength)
            try raw.withUnsafeBytes { bytes in
                try decodeValues(bytes, 0..<bytes.count, count: presentCount(chunk, entries: entries),
                                 encoding: h.encoding, dictionary: dictionary, into: &chunk.values)
            }
            chunk.entryCount = entries
        }
        return chunk
    }

    /// The pages joined into the chunk, with the checks that need all of them.
    func merge(_ pages: [LeafChunk]) throws -> LeafChunk {
        var chunk = LeafChunk(values: LeafValues.concatenate(pages.map(\.values), type: leaf.physicalType,
                                                              width: leaf.typeLength))
        if pages.count == 1 {
            chunk.definitionLevels = pages[0].definitionLevels
            chunk.repetitionLevels = pages[0].repetitionLevels
        } else {
            let total = pages.reduce(0) { $0 + $1.entryCount }
            if leaf.maxDefinitionLevel > 0 {
                chunk.definitionLevels.reserveCapacity(total)
                for p in pages { chunk.definitionLevels += p.definitionLevels }
            }
            if leaf.maxRepetitionLevel > 0 {
                chunk.repetitionLevels.reserveCapacity(total)
                for p in pages { chunk.repetitionLevels += p.repetitionLevels }
            }
        }
        chunk.entryCount = pages.reduce(0) { $0 + $1.entryCount }
        if leaf.maxRepetitionLevel == 0 && chunk.entryCount != rowCount {
            throw ParquetError.corrupt("column \(leaf.path.joined(separator: ".")) has \(chunk.entryCount) values, its row group \(rowCount) rows",
                                       offset: Int(meta.dataPageOffset))
        }
        if leaf.maxRepetitionLevel > 0 && chunk.repetitionLevels.first.map({ $0 != 0 }) == true {
            throw ParquetError.corrupt("column \(leaf.path.joined(separator: ".")) does not start a new row",
                                       offset: Int(meta.dataPageOffset))
        }
        return chunk
    }

    private func checkedEntries(_ numValues: Int32, _ sofar: Int, _ limit: Int) throws -> Int {
        guard numValues >= 0, Int(numValues) <= Self.maxPageEntries, Int(numValues) <= limit - sofar else {
            throw ParquetError.corrupt("page of \(numValues) values exceeds the \(limit) the row group holds")
        }
        return Int(numValues)
    }

    /// How many of a page's `entries` hold a value (definition level at its maximum).
    private func presentCount(_ page: LeafChunk, entries: Int) -> Int {
        let maxDef = leaf.maxDefinitionLevel
        guard maxDef > 0 else { return entries }
        let target = UInt8(maxDef)
        var n = 0
        for level in page.definitionLevels where level == target { n += 1 }
        return n
    }

    /// Decodes `count` levels at `position`; v1 pages prefix them with a 4-byte length, v2
    /// pages give `v1Length` in the header. Returns the position after them.
    private func decodeLevels(_ page: UnsafeRawBufferPointer, _ position: Int, v1Length: Int?, count: Int,
                              max: Int, encoding: Int32, into levels: inout [UInt8]) throws -> Int {
        guard encoding == Encoding.rle.rawValue else {
            throw ParquetError.unsupported("level encoding \(Encoding(rawValue: encoding)?.description ?? "#\(encoding)")")
        }
        var p = position
        let length: Int
        if let v1Length {
            length = v1Length
        } else {
            guard page.count - p >= 4 else { throw ParquetError.corrupt("level length runs past the page") }
            length = Int(UInt32(littleEndian: page.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
            p += 4
        }
        guard length <= page.count - p else { throw ParquetError.corrupt("levels of \(length) bytes run past the page") }
        var decoder = try RLEHybridDecoder(page, range: p..<p + length, width: RLEHybrid.bitWidth(max))
        let old = levels.count
        levels.append(contentsOf: repeatElement(0, count: count))
        try levels.withUnsafeMutableBufferPointer { all in
            try decoder.decode(into: UnsafeMutableBufferPointer(rebasing: all[old...]), maxValue: UInt8(max))
        }
        return p + length
    }

    private func decodeValues(_ page: UnsafeRawBufferPointer, _ range: Range<Int>, count: Int, encoding: Int32,
                              dictionary: LeafValues?, into values: inout LeafValues) throws {
        switch Encoding(rawValue: encoding) {
        case .plain:
            try Plain.decode(page, range: range, count: count, into: &values)
        case .plainDictionary, .rleDictionary:
            guard let dictionary else { throw ParquetError.corrupt("dictionary-encoded page without a dictionary page") }
            if count == 0 { return }
            guard !range.isEmpty else { throw ParquetError.corrupt("dictionary page data is empty") }
            let width = Int(page[range.lowerBound])
            var decoder = try RLEHybridDecoder(page, range: range.lowerBound + 1..<range.upperBound, width: width)
            let indices = try [UInt32](unsafeUninitializedCapacity: count) { buffer, n in
                n = count
                buffer.initialize(repeating: 0)
                try decoder.decode(into: buffer, maxValue: UInt32(max(0, dictionary.count - 1)))
            }
            guard dictionary.count > 0 else { throw ParquetError.corrupt("indices into an empty dictionary") }
            DictionaryGather.gather(dictionary, indices, into: &values)
        case .rle:
            guard case .boolean(var bools) = values else {
                throw ParquetError.unsupported("RLE encoding for \(leaf.physicalType) values")
            }
            guard range.count >= 4 else { throw ParquetError.corrupt("RLE boolean page too short") }
            let length = Int(UInt32(littleEndian: page.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt32.self)))
            guard length <= range.count - 4 else { throw ParquetError.corrupt("RLE boolean data runs past the page") }
            var decoder = try RLEHybridDecoder(page, range: range.lowerBound + 4..<range.lowerBound + 4 + length, width: 1)
            var bits = [UInt8](repeating: 0, count: count)
            try bits.withUnsafeMutableBufferPointer { try decoder.decode(into: $0, maxValue: 1) }
            values = .int32([])
            bools.append(contentsOf: bits.lazy.map { $0 == 1 })
            values = .boolean(bools)
        case .deltaBinaryPacked:
            try DeltaDecoding.binaryPacked(page, range, count: count, into: &values)
        case .deltaLengthByteArray:
            try DeltaDecoding.lengthByteArray(page, range, count: count, into: &values)
        case .deltaByteArray:
            try DeltaDecoding.byteArray(page, range, count: count, into: &values)
        case .byteStreamSplit:
            try DeltaDecoding.byteStreamSplit(page, range, count: count, into: &values)
        case .bitPacked, .none:
            throw ParquetError.unsupported("value encoding \(Encoding(rawValue: encoding)?.description ?? "#\(encoding)")")
        }
    }
}

/// Materializes dictionary indices into values.
enum DictionaryGather {
    static func gather(_ dictionary: LeafValues, _ indices: [UInt32], into values: inout LeafValues) {
        func pick<T>(_ d: [T], _ out: inout [T]) {
            out.reserveCapacity(out.count + indices.count)
            d.withUnsafeBufferPointer { dict in
                for i in indices { out.append(dict[Int(i)]) }
            }
        }
        switch (dictionary, values) {
        case (.int32(let d), .int32(var out)): values = .boolean([]); pick(d, &out); values = .int32(out)
        case (.int64(let d), .int64(var out)): values = .boolean([]); pick(d, &out); values = .int64(out)
        case (.float(let d), .float(var out)): values = .boolean([]); pick(d, &out); values = .float(out)
        case (.double(let d), .double(var out)): values = .boolean([]); pick(d, &out); values = .double(out)
        case (.boolean(let d), .boolean(var out)): values = .int32([]); pick(d, &out); values = .boolean(out)
        case (.int96(let d), .int96(var out)):
            values = .boolean([])
            for i in indices { out += d[Int(i) * 12..<Int(i) * 12 + 12] }
            values = .int96(out)
        case (.fixed(let w, let d), .fixed(_, var out)):
            values = .boolean([])
            out.reserveCapacity(out.count + indices.count * w)
            for i in indices { out += d[Int(i) * w..<Int(i) * w + w] }
            values = .fixed(width: w, bytes: out)
        case (.byteArray(let dOffsets, let dBytes), .byteArray(var offsets, var bytes)):
            values = .boolean([])
            var total = 0
            for i in indices { total += dOffsets[Int(i) + 1] - dOffsets[Int(i)] }
            offsets.reserveCapacity(offsets.count + indices.count)
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: total))
            bytes.withUnsafeMutableBytes { dst in
                dBytes.withUnsafeBytes { src in
                    var p = start
                    for i in indices {
                        let lo = dOffsets[Int(i)], n = dOffsets[Int(i) + 1] - lo
                        if n > 0 { (dst.baseAddress! + p).copyMemory(from: src.baseAddress! + lo, byteCount: n) }
                        p += n
                        offsets.append(p)
                    }
                }
            }
            values = .byteArray(offsets: offsets, bytes: bytes)
        default:
            preconditionFailure("dictionary and values of different physical types")
        }
    }
}
