import Columnar
import LakeCore
import Testing
@testable import DeltaLog

/// Log replay keys a data file by its path and its deletion vector's unique id
/// (PROTOCOL.md, "Add File and Remove File"); column mapping resolves logical to physical
/// names and file fields by name or id.
@Suite struct ReplayTests {
    static func action(_ text: String) throws -> Action { try Action(json: try JSONValue.parse(text)) }

    static func dv(_ id: String) -> String {
        #"{"storageType":"u","pathOrInlineDv":"\#(id)","offset":1,"sizeInBytes":36,"cardinality":2}"#
    }

    @Test func aFileReAddedWithAnotherDeletionVectorStaysLive() throws {
        let add1 = try Self.action(#"{"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":\#(Self.dv("vBn[lx{q8@P<9BNH/isA"))}}"#)
        let remove1 = try Self.action(#"{"remove":{"path":"a.parquet","deletionTimestamp":2,"dataChange":true,"deletionVector":\#(Self.dv("vBn[lx{q8@P<9BNH/isA"))}}"#)
        let add2 = try Self.action(#"{"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":2,"dataChange":true,"deletionVector":\#(Self.dv("Q6Kt3y1b)0MgZSWwPunr"))}}"#)
        // A checkpoint lists the live add before the tombstone of the older vector; a commit
        // may list them either way.
        for order in [[add1, remove1, add2], [add1, add2, remove1]] {
            var replay = Replay()
            replay.apply(order)
            let live = replay.slots.compactMap { $0 }
            #expect(live.count == 1 && live[0].modificationTime == 2)
            #expect(replay.removed.count == 1)
        }
        // Without vectors the path alone is the key: a remove takes the file away.
        var plain = Replay()
        plain.apply([try Self.action(#"{"add":{"path":"b.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}}"#),
                     try Self.action(#"{"remove":{"path":"b.parquet","deletionTimestamp":2,"dataChange":true}}"#)])
        #expect(plain.slots.compactMap { $0 }.isEmpty)
    }

    static func mapped(_ name: String, _ type: DataType, id: Int, physical: String) -> Field {
        Field(name, type, metadata: [(ColumnMapping.idKey, .int(id)), (ColumnMapping.physicalNameKey, .string(physical))])
    }

    @Test func mappingResolvesPhysicalNamesAndFieldIDs() {
        let inner = Self.mapped("x", .long, id: 3, physical: "col-x")
        let point = Self.mapped("point", .struct([inner]), id: 2, physical: "col-p")
        let byName = ColumnMapping(mode: .name), byID = ColumnMapping(mode: .id), none = ColumnMapping(mode: .none)
        #expect(byName.physicalName(point) == "col-p" && none.physicalName(point) == "point")
        #expect(byName.physicalField(point).type == .struct([Field("col-x", .long)]))
        // Name mode finds the file's field by physical name; id mode by the Parquet field id,
        // whatever the file calls it (and by physical name in files written without ids).
        let fileFields = [Field("col-p", .struct([Field("col-x", .long)])),
                          Field("renamed", .struct([Field("whatever", .long, metadata: [(ColumnMapping.fileFieldIDKey, .int(3))])]),
                                metadata: [(ColumnMapping.fileFieldIDKey, .int(2))])]
        #expect(byName.fileField(for: point, in: fileFields)?.name == "col-p")
        let stored = byID.fileField(for: point, in: fileFields)
        #expect(stored?.name == "renamed")
        #expect(byID.fileType(point.type, stored: stored?.type) == .struct([Field("whatever", .long)]))
        #expect(byID.fileField(for: point, in: [Field("col-p", .long)])?.name == "col-p")
        #expect(byID.fileField(for: Self.mapped("gone", .long, id: 9, physical: "col-g"), in: fileFields) == nil)
    }
}

/// The schema edits of `lake alter` and the type widening rules of the protocol.
@Suite struct SchemaEvolutionTests {
    static let schema = Schema([
        Field("id", .int), Field("address", .struct([Field("zip", .string), Field("city", .string)])),
        Field("items", .array(element: .struct([Field("price", .int)]), containsNull: true)),
        Field("attrs", .map(key: .string, value: .int, valueContainsNull: true)),
    ])

    @Test func pathsReachNestedFieldsElementsAndMapValues() throws {
        #expect(try FieldPath(parsing: "address.zip").parts == ["address", "zip"])
        #expect(try FieldPath(parsing: "`a.b`.c").parts == ["a.b", "c"])
        #expect(throws: DeltaError.self) { try FieldPath(parsing: "a..b") }
        let s = Self.schema
        #expect(SchemaEdit.type(at: FieldPath(["items", "element", "price"]), in: s) == .int)
        #expect(SchemaEdit.type(at: FieldPath(["attrs", "value"]), in: s) == .int)
        #expect(SchemaEdit.fieldPrefix(FieldPath(["attrs", "value"]), in: s).parts == ["attrs"])
        let added = try SchemaEdit.add(Field("tax", .int), to: FieldPath(["items", "element"]), after: nil, in: s)
        #expect(SchemaEdit.type(at: FieldPath(["items", "element"]), in: added) == .struct([Field("price", .int), Field("tax", .int)]))
        let renamed = try SchemaEdit.rename(FieldPath(["address", "zip"]), to: "postcode", in: s)
        #expect(SchemaEdit.field(FieldPath(["address", "postcode"]), in: renamed) != nil)
        #expect(throws: DeltaError.self) { try SchemaEdit.rename(FieldPath(["address", "zip"]), to: "CITY", in: s) }
        #expect(throws: DeltaError.self) { try SchemaEdit.drop(FieldPath(["items", "element", "price"]), in: s) }
        let widened = try SchemaEdit.retype(FieldPath(["attrs", "value"]), in: s) { _ in .long }
        #expect(SchemaEdit.type(at: FieldPath(["attrs"]), in: widened) == .map(key: .string, value: .long, valueContainsNull: true))
    }

    @Test func wideningFollowsTheProtocol() {
        let allowed: [(DataType, DataType)] = [(.byte, .short), (.short, .int), (.int, .long), (.byte, .long), (.float, .double),
                                               (.int, .double), (.date, .timestampNTZ), (.int, .decimal(precision: 10, scale: 0)),
                                               (.decimal(precision: 5, scale: 2), .decimal(precision: 8, scale: 4)),
                                               (.long, .decimal(precision: 22, scale: 2))]
        let refused: [(DataType, DataType)] = [(.long, .int), (.long, .double), (.string, .int), (.date, .timestamp),
                                               (.int, .decimal(precision: 9, scale: 0)), (.int, .int),
                                               (.decimal(precision: 5, scale: 2), .decimal(precision: 6, scale: 4))]
        for (from, to) in allowed { #expect(TypeWidening.allowed(from: from, to: to), "\(from) → \(to)") }
        for (from, to) in refused { #expect(!TypeWidening.allowed(from: from, to: to), "\(from) → \(to)") }
    }

    @Test func mappingIsAssignedOnceWithNamesKeptAndProtocolRaised() {
        let (mapped, maxID) = ColumnMapping.assign(Self.schema, maxID: 0, keepNames: true)
        #expect(maxID == 7 && ColumnMapping.maxID(mapped) == 7)
        let mapping = ColumnMapping(mode: .name)
        #expect(mapped.fields.map(mapping.physicalName) == ["id", "address", "items", "attrs"])
        // Assigning again changes nothing.
        #expect(ColumnMapping.assign(mapped, maxID: maxID, keepNames: false).1 == 7)
        let legacy = TableFeatures.enabling("columnMapping", readerFeature: true, legacy: (2, 5),
                                            in: ProtocolAction(minReaderVersion: 1, minWriterVersion: 2))
        #expect(legacy.minReaderVersion == 2 && legacy.minWriterVersion == 5 && legacy.writerFeatures == nil)
        let features = TableFeatures.enabling("typeWidening", readerFeature: true, legacy: nil, in: legacy)
        #expect(features.minReaderVersion == 3 && features.minWriterVersion == 7)
        #expect(features.readerFeatures == ["columnMapping", "typeWidening"])
        #expect(Set(features.writerFeatures ?? []) == ["appendOnly", "invariants", "checkConstraints", "changeDataFeed",
                                                      "generatedColumns", "columnMapping", "typeWidening"])
    }
}

/// Deletion vectors lake writes read back as the same rows (array and bitmap containers,
/// several buckets), framed and checked.
@Suite struct DeletionVectorTests {
    @Test func serializedVectorsParseBack() throws {
        let rows: [UInt64] = [0, 1, 5, 65_535, 65_536] + (0..<5000).map { 200_000 + UInt64($0) * 2 } + [UInt64(1) << 33, (UInt64(1) << 33) + 7]
        let vector = DeletionVector(rows: rows)
        let parsed = try DeletionVector.parse(vector.serialized()[...], what: "test", maxRows: 1 << 40)
        #expect(parsed.rows == rows)
        #expect(throws: DeltaError.self) { try DeletionVector.parse(vector.serialized()[...], what: "test", maxRows: 10) }
    }

    @Test func writtenFilesLoadThroughTheirDescriptor() throws {
        let root = "/tmp/lake-dv-test-\(SystemClock.uuid())"
        let storage = LocalStorage()
        try storage.makeDirectories(root)
        defer { try? storage.removeTree(root) }
        let descriptor = try DeletionVector.write([3, 9, 70_000], root: root, writeNew: storage.writeNew)
        #expect(descriptor["cardinality"]?.intValue == 3 && descriptor["storageType"]?.stringValue == "u")
        let loaded = try DeletionVector.load(descriptor, root: root, maxRows: 100_000) { try storage.read($0) ?? [] }
        #expect(loaded.rows == [3, 9, 70_000])
        // The inline form of the same bytes reads too.
        let bytes = DeletionVector(rows: [2, 4]).serialized()
        let padded = bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
        let inline: JSONValue = .object([("storageType", .string("i")), ("pathOrInlineDv", .string(Z85.encode(padded))),
                                         ("sizeInBytes", .int(bytes.count)), ("cardinality", .int(2))])
        #expect(try DeletionVector.load(inline, root: root, maxRows: 10) { _ in [] }.rows == [2, 4])
    }
}
