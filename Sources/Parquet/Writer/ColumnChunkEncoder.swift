import Columnar

/// One column chunk, encoded and compressed, with offsets relative to its first byte.
struct EncodedChunk {
    var bytes: [UInt8] = []
    var metaData = ColumnMetaData()
    /// Relative offset of the dictionary page, if any.
    var dictionaryPageOffset: Int?
    /// Relative offset of the first data page.
    var dataPageOffset = 0
}

/// Encodes a leaf chunk into a dictionary page (when the dictionary stays small) and data
/// pages (v1) of about `pageSize` bytes, compressed with the writer's codec.
struct ColumnChunkEncoder {
    let options: ParquetWriter.Options
    let codec: Codec

    func encode(_ chunk: LeafChunk, leaf: LeafDescriptor) throws -> EncodedChunk {
        var out = EncodedChunk()
        var meta = ColumnMetaData()
        meta.type = leaf.physicalType
        meta.pathInSchema = leaf.path
        meta.codec = options.codec
        meta.numValues = Int64(chunk.entryCount)
        meta.statistics = StatisticsBuilder.compute(chunk.values, nullCount: chunk.entryCount - chunk.values.count,
                                                    type: leaf.type)
        var uncompressedTotal = 0

        let dictionary = options.dictionaryEnabled
            ? DictionaryBuilder.build(chunk.values, limit: options.dictionaryPageSizeLimit) : nil
        var encodings: [Encoding] = []
        if let dictionary {
            var body: [UInt8] = []
            Plain.encode(dictionary.dictionary, 0..<dictionary.dictionary.count, into: &body)
            var header = PageHeader()
            header.type = PageType.dictionaryPage.rawValue
            header.dictionaryPage = DictionaryPageHeader(numValues: Int32(dictionary.dictionary.count),
                                                         encoding: Encoding.plain.rawValue)
            out.dictionaryPageOffset = 0
            uncompressedTotal += try appendPage(header, body: body, to: &out.bytes)
            encodings = [.plain, .rle, .rleDictionary]
        } else {
            encodings = [.plain, .rle]
        }
        out.dataPageOffset = out.bytes.count

        // Page boundaries: about pageSize bytes of values, at row starts for repeated leaves.
        let bitWidth = dictionary.map { RLEHybrid.bitWidth(max(0, $0.dictionary.count - 1)) } ?? 0
        let valueBytes = dictionary != nil ? Double(chunk.values.count * bitWidth) / 8 : Double(chunk.values.plainSize)
        let levelBytes = Double(chunk.entryCount) / 4
        let perEntry = max(0.01, (valueBytes + levelBytes) / Double(max(1, chunk.entryCount)))
        let entriesPerPage = max(1, min(Int(Double(options.pageSize) / perEntry), 1 << 24))

        let maxDef = leaf.maxDefinitionLevel, maxRep = leaf.maxRepetitionLevel
        var entryStart = 0, valueStart = 0
        while entryStart < chunk.entryCount || (entryStart == 0 && chunk.entryCount == 0) {
            var entryEnd = min(chunk.entryCount, entryStart + entriesPerPage)
            if maxRep > 0 {
                while entryEnd < chunk.entryCount && chunk.repetitionLevels[entryEnd] != 0 { entryEnd += 1 }
            }
            var valueCount = entryEnd - entryStart
            if maxDef > 0 {
                valueCount = 0
                let target = UInt8(maxDef)
                for i in entryStart..<entryEnd where chunk.definitionLevels[i] == target { valueCount += 1 }
            }
            var body: [UInt8] = []
            body.reserveCapacity(Int(Double(entryEnd - entryStart) * perEntry) + 64)
            if maxRep > 0 {
                appendLevels(chunk.repetitionLevels, entryStart..<entryEnd, maxLevel: maxRep, to: &body)
            }
            if maxDef > 0 {
                appendLevels(chunk.definitionLevels, entryStart..<entryEnd, maxLevel: maxDef, to: &body)
            }
            let valueRange = valueStart..<valueStart + valueCount
            if let dictionary {
                body.append(UInt8(bitWidth))
                dictionary.indices.withUnsafeBufferPointer { all in
                    RLEHybrid.encode(UnsafeBufferPointer(rebasing: all[valueRange]), width: bitWidth, into: &body)
                }
            } else {
                Plain.encode(chunk.values, valueRange, into: &body)
            }
            var header = PageHeader()
            header.type = PageType.dataPage.rawValue
            header.dataPage = DataPageHeader(numValues: Int32(entryEnd - entryStart),
                                             encoding: (dictionary != nil ? Encoding.rleDictionary : .plain).rawValue,
                                             definitionLevelEncoding: Encoding.rle.rawValue,
                                             repetitionLevelEncoding: Encoding.rle.rawValue)
            uncompressedTotal += try appendPage(header, body: body, to: &out.bytes)
            entryStart = entryEnd
            valueStart += valueCount
            if chunk.entryCount == 0 { break }
        }
        meta.encodings = encodings
        meta.totalUncompressedSize = Int64(uncompressedTotal)
        meta.totalCompressedSize = Int64(out.bytes.count)
        out.metaData = meta
        return out
    }

    /// Levels as a 4-byte length then the RLE/bit-packed hybrid stream (data page v1).
    private func appendLevels(_ levels: [UInt8], _ range: Range<Int>, maxLevel: Int, to body: inout [UInt8]) {
        let lengthAt = body.count
        body.append(contentsOf: [0, 0, 0, 0])
        levels.withUnsafeBufferPointer { all in
            RLEHybrid.encode(UnsafeBufferPointer(rebasing: all[range]), width: RLEHybrid.bitWidth(maxLevel), into: &body)
        }
        let length = UInt32(body.count - lengthAt - 4)
        for k in 0..<4 { body[lengthAt + k] = UInt8(truncatingIfNeeded: length >> UInt32(8 * k)) }
    }

    /// Compresses `body`, appends header and body; returns the uncompressed size of both.
    private func appendPage(_ header: PageHeader, body: [UInt8], to out: inout [UInt8]) throws -> Int {
        let compressed = try codec.compress(body, codec: options.codec, level: options.zstdLevel)
        var h = header
        guard body.count <= Int32.max, compressed.count <= Int32.max else {
            throw ParquetError(.invalidArgument, "a page larger than 2 GiB cannot be written")
        }
        h.uncompressedPageSize = Int32(body.count)
        h.compressedPageSize = Int32(compressed.count)
        var w = ThriftWriter()
        w.writeStruct { $0.write(h) }
        out += w.bytes
        out += compressed
        return w.bytes.count + body.count
    }
}
