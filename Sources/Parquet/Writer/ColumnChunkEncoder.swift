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

/// A compressed page with its header, ready to be written.
struct EncodedPage {
    var bytes: [UInt8]
    /// Header plus uncompressed body size, for `total_uncompressed_size`.
    var uncompressedSize: Int
}

/// Encodes a leaf chunk into a dictionary page (when the dictionary stays small) and data
/// pages (v1) of about `pageSize` bytes, compressed with the writer's codec.
///
/// Work happens in three steps so that a row group's pages can be compressed in parallel
/// across all its columns: ``plan(_:leaf:codec:)`` (statistics, dictionary, page boundaries;
/// one per chunk), ``encodePage(_:_:codec:)`` (any order, any thread), ``assemble(_:_:)``.
struct ColumnChunkEncoder {
    let options: ParquetWriter.Options

    /// What a chunk's data pages hold; built once per chunk.
    struct Plan {
        var leaf: LeafDescriptor
        var chunk: LeafChunk
        var dictionary: DictionaryBuilder.Result?
        var bitWidth: Int
        var dictionaryPage: EncodedPage?
        /// Entry range and value range of each data page.
        var pages: [(entries: Range<Int>, values: Range<Int>)]
        var statistics: Statistics
    }

    func plan(_ chunk: LeafChunk, leaf: LeafDescriptor, codec: Codec) throws -> Plan {
        let dictionary = options.dictionaryEnabled
            ? DictionaryBuilder.build(chunk.values, limit: options.dictionaryPageSizeLimit) : nil
        // A dictionary holds each distinct value once: the chunk's bounds are its bounds.
        let statistics = StatisticsBuilder.compute(dictionary?.dictionary ?? chunk.values,
                                                   nullCount: chunk.entryCount - chunk.values.count, type: leaf.type)
        var dictionaryPage: EncodedPage?
        if let dictionary {
            var body: [UInt8] = []
            Plain.encode(dictionary.dictionary, 0..<dictionary.dictionary.count, into: &body)
            var header = PageHeader()
            header.type = PageType.dictionaryPage.rawValue
            header.dictionaryPage = DictionaryPageHeader(numValues: Int32(dictionary.dictionary.count),
                                                         encoding: Encoding.plain.rawValue)
            dictionaryPage = try page(header, body: body, codec: codec)
        }

        // Page boundaries: about pageSize bytes of values, at row starts for repeated leaves.
        let bitWidth = dictionary.map { RLEHybrid.bitWidth(max(0, $0.dictionary.count - 1)) } ?? 0
        let valueBytes = dictionary != nil ? Double(chunk.values.count * bitWidth) / 8 : Double(chunk.values.plainSize)
        let levelBytes = Double(chunk.entryCount) / 4
        let perEntry = max(0.01, (valueBytes + levelBytes) / Double(max(1, chunk.entryCount)))
        let entriesPerPage = max(1, min(Int(Double(options.pageSize) / perEntry), 1 << 24))
        let maxDef = UInt8(leaf.maxDefinitionLevel)
        var pages: [(entries: Range<Int>, values: Range<Int>)] = []
        var entryStart = 0, valueStart = 0
        repeat {
            var entryEnd = min(chunk.entryCount, entryStart + entriesPerPage)
            if leaf.maxRepetitionLevel > 0 {
                while entryEnd < chunk.entryCount && chunk.repetitionLevels[entryEnd] != 0 { entryEnd += 1 }
            }
            var valueCount = entryEnd - entryStart
            if maxDef > 0 {
                valueCount = 0
                for i in entryStart..<entryEnd where chunk.definitionLevels[i] == maxDef { valueCount += 1 }
            }
            pages.append((entryStart..<entryEnd, valueStart..<valueStart + valueCount))
            entryStart = entryEnd
            valueStart += valueCount
        } while entryStart < chunk.entryCount
        return Plan(leaf: leaf, chunk: chunk, dictionary: dictionary, bitWidth: bitWidth,
                    dictionaryPage: dictionaryPage, pages: pages, statistics: statistics)
    }

    /// Data page `index` of `plan`: levels, values, compressed, with its header.
    func encodePage(_ plan: Plan, _ index: Int, codec: Codec) throws -> EncodedPage {
        let (entries, values) = plan.pages[index]
        let leaf = plan.leaf
        var body: [UInt8] = []
        body.reserveCapacity(options.pageSize + options.pageSize / 8)
        if leaf.maxRepetitionLevel > 0 {
            appendLevels(plan.chunk.repetitionLevels, entries, maxLevel: leaf.maxRepetitionLevel, to: &body)
        }
        if leaf.maxDefinitionLevel > 0 {
            appendLevels(plan.chunk.definitionLevels, entries, maxLevel: leaf.maxDefinitionLevel, to: &body)
        }
        if let dictionary = plan.dictionary {
            body.append(UInt8(plan.bitWidth))
            dictionary.indices.withUnsafeBufferPointer { all in
                RLEHybrid.encode(UnsafeBufferPointer(rebasing: all[values]), width: plan.bitWidth, into: &body)
            }
        } else {
            Plain.encode(plan.chunk.values, values, into: &body)
        }
        var header = PageHeader()
        header.type = PageType.dataPage.rawValue
        header.dataPage = DataPageHeader(numValues: Int32(entries.count),
                                         encoding: (plan.dictionary != nil ? Encoding.rleDictionary : .plain).rawValue,
                                         definitionLevelEncoding: Encoding.rle.rawValue,
                                         repetitionLevelEncoding: Encoding.rle.rawValue)
        return try page(header, body: body, codec: codec)
    }

    /// The chunk: dictionary page, then the data pages in order, and its metadata.
    func assemble(_ plan: Plan, _ pages: [EncodedPage]) -> EncodedChunk {
        var out = EncodedChunk()
        var uncompressed = 0
        out.bytes.reserveCapacity(pages.reduce(plan.dictionaryPage?.bytes.count ?? 0) { $0 + $1.bytes.count })
        if let dictionaryPage = plan.dictionaryPage {
            out.dictionaryPageOffset = 0
            out.bytes += dictionaryPage.bytes
            uncompressed += dictionaryPage.uncompressedSize
        }
        out.dataPageOffset = out.bytes.count
        for p in pages {
            out.bytes += p.bytes
            uncompressed += p.uncompressedSize
        }
        var meta = ColumnMetaData()
        meta.type = plan.leaf.physicalType
        meta.pathInSchema = plan.leaf.path
        meta.codec = options.codec
        meta.numValues = Int64(plan.chunk.entryCount)
        meta.statistics = plan.statistics
        meta.encodings = plan.dictionary != nil ? [.plain, .rle, .rleDictionary] : [.plain, .rle]
        meta.totalUncompressedSize = Int64(uncompressed)
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

    /// Compresses `body` and puts the header in front.
    private func page(_ header: PageHeader, body: [UInt8], codec: Codec) throws -> EncodedPage {
        let compressed = try codec.compress(body, codec: options.codec, level: options.zstdLevel)
        guard body.count <= Int32.max, compressed.count <= Int32.max else {
            throw ParquetError(.invalidArgument, "a page larger than 2 GiB cannot be written")
        }
        var h = header
        h.uncompressedPageSize = Int32(body.count)
        h.compressedPageSize = Int32(compressed.count)
        var w = ThriftWriter()
        w.writeStruct { $0.write(h) }
        return EncodedPage(bytes: w.bytes + compressed, uncompressedSize: w.bytes.count + body.count)
    }
}
