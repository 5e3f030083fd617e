import LakeCore
/// Which protocol versions and table features lake reads and writes (PROTOCOL.md, "Table
/// Features"). A table that needs more is refused with the feature named, never misread.
public enum TableFeatures {
    /// Reader features lake implements.
    public static let readable: Set<String> = ["timestampNtz", "vacuumProtocolCheck", "columnMapping", "v2Checkpoint",
                                               "deletionVectors", "typeWidening"]

    /// Writer features lake honours on the writes it makes (appends).
    public static let writable: Set<String> = [
        "appendOnly", "invariants", "checkConstraints", "changeDataFeed", "generatedColumns", "columnMapping",
        "identityColumns", "timestampNtz", "domainMetadata", "inCommitTimestamp", "vacuumProtocolCheck", "typeWidening",
        // lake writes no vectors yet; its removes carry a file's vector, its checkpoints keep them.
        "deletionVectors",
    ]

    /// Throws `unsupported` naming what lake cannot read.
    public static func checkReadable(_ p: ProtocolAction, _ metadata: Metadata) throws {
        if p.minReaderVersion > 3 {
            throw DeltaError(.unsupported, "the table needs reader version \(p.minReaderVersion); lake reads up to 3")
        }
        if p.minReaderVersion == 3 {
            for feature in p.readerFeatures ?? [] where !readable.contains(feature) {
                throw DeltaError(.unsupported, "the table uses reader feature '\(DisplayText.value(feature))', which lake does not support")
            }
        }
        _ = try ColumnMapping(metadata)
    }

    /// Throws `unsupported` unless lake knows every feature a writer of the table must honour:
    /// enough for commits that change no data (vacuum, checkpoints).
    public static func checkMaintainable(_ p: ProtocolAction, _ metadata: Metadata) throws {
        try checkReadable(p, metadata)
        if p.minWriterVersion > 7 {
            throw DeltaError(.unsupported, "the table needs writer version \(p.minWriterVersion); lake writes up to 7")
        }
        var features: [String] = []
        if p.minWriterVersion == 7 {
            features = p.writerFeatures ?? []
        } else {
            let legacy: [(Int, String)] = [(2, "appendOnly"), (2, "invariants"), (3, "checkConstraints"),
                                           (4, "changeDataFeed"), (4, "generatedColumns"), (5, "columnMapping"),
                                           (6, "identityColumns")]
            features = legacy.filter { p.minWriterVersion >= $0.0 }.map(\.1)
        }
        for feature in features {
            guard writable.contains(feature) else {
                throw DeltaError(.unsupported, "the table uses writer feature '\(DisplayText.value(feature))', which lake cannot write")
            }
        }
    }

    /// Throws `unsupported` naming what lake cannot honour when appending to the table.
    /// (CHECK constraints and column invariants are honoured: every data-changing write
    /// checks its rows.)
    public static func checkAppendable(_ p: ProtocolAction, _ metadata: Metadata) throws {
        try checkMaintainable(p, metadata)
        // Features lake accepts only while the table does not actually use them.
        let schema = metadata.schemaString
        if schema.contains("delta.generationExpression") {
            throw DeltaError(.unsupported, "the table has generated columns (writer feature 'generatedColumns'), which lake cannot compute")
        }
        if schema.contains("delta.identity.") {
            throw DeltaError(.unsupported, "the table has identity columns (writer feature 'identityColumns'), which lake cannot generate")
        }
    }
}
