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
