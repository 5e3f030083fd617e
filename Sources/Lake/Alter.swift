import Columnar
import DeltaLog
import LakeCore

/// One `lake alter` change.
public enum AlterChange: Sendable {
    /// `"NAME TYPE [not null] [comment 'TEXT']"`; NAME may be a nested path (`address.zip`).
    case addColumn(spec: String, after: String?)
    case renameColumn(String, to: String)
    case dropColumn(String)
    case widenType(String, to: String)
    case setProperty(String, String)
    case unsetProperty(String)
    case setComment(String, String)
    /// A CHECK constraint: its name and SQL (the `--where` grammar).
    case addConstraint(String, String)
    case dropConstraint(String)
}

/// What `lake alter` did.
public struct AlterResult: Sendable {
    public var table: String
    public var version: Int64
    /// The operation as the history records it (`ADD COLUMNS`, `RENAME COLUMN`, …).
    public var operation: String
    /// What changed, in words.
    public var change: String
    /// What readers and writers should know (column mapping or type widening turned on).
    public var notes: [String]
    /// The new schema as Delta writes it (`schemaString`).
    public var schemaJSON: String
    public var warnings: [String] = []
}

extension Warehouse {
    /// Changes a table's schema or properties in one commit of a new `metaData` (and a new
    /// `protocol` when the change needs a feature): column mapping is turned on (`name`
    /// mode, existing names kept as physical names, so no file is rewritten) for a rename or
    /// a drop, type widening for a widening. Fields keep all their metadata. A concurrent
    /// metadata change makes it re-read the table and try once more.
    public func alter(_ name: TableName, _ change: AlterChange) throws -> AlterResult {
        do {
            return try alterOnce(name, change)
        } catch let error as DeltaError where error.kind == .conflict {
            return try alterOnce(name, change)
        }
    }

    private func alterOnce(_ name: TableName, _ change: AlterChange) throws -> AlterResult {
        let operation = try WriteOperation(self, name, operation: SchemaChangePlan.operation(change), changesData: false)
        let snapshot = operation.snapshot
        var plan = try SchemaChangePlan(snapshot: snapshot)
        try plan.apply(change)
        let metadata = snapshot.metadata.replacing(schema: plan.schema, partitionColumns: plan.partitionColumns,
                                                   configuration: plan.configuration)
        // A new constraint holds for the rows already there, or is not added.
        var read: ReadSet?
        if case .addConstraint(let name, let expression) = change {
            read = try Self.checkExistingRows(snapshot, try TableConstraints.compile(name.lowercased(), expression, schema: plan.schema,
                                                                                      table: operation.resolved.displayName),
                                              table: operation.resolved.displayName)
        }
        let committed = try operation.run { op in
            var actions: [Action] = []
            if plan.protocolAction.raw != snapshot.protocolAction.raw { actions.append(.protocolAction(plan.protocolAction)) }
            actions.append(.metaData(metadata))
            var transaction = op.transaction(actions: actions)
            transaction.parameters = plan.parameters
            if let read {
                // Even blind appends landing meanwhile may hold rows the constraint rejects.
                transaction.read = read
                transaction.isolation = .serializable
            }
            if plan.needsEmptyTable {
                // A `not null` column fits only a table without rows: rows appended meanwhile conflict.
                transaction.read = ReadSet(predicate: { _ in true })
                transaction.isolation = .serializable
            }
            return transaction
        }
        return AlterResult(table: operation.resolved.displayName, version: committed?.version ?? snapshot.version,
                           operation: operation.operation, change: plan.summary, notes: plan.notes,
                           schemaJSON: SchemaJSON.encode(plan.schema).serialized(), warnings: committed?.warnings ?? [])
    }
}

extension Warehouse {
    /// Checks that no row of `snapshot` violates `constraint` (files whose statistics rule a
    /// violation out are not read); `badInput` (exit 1) with the count and up to five of them.
    /// Returns what the commit adding it read: appends landing meanwhile whose rows might
    /// violate it conflict (the add is then re-planned, and checks them too).
    static func checkExistingRows(_ snapshot: Snapshot, _ constraint: TableConstraints.Constraint, table: String) throws -> ReadSet {
        let plan = try ScanBuilder(snapshot).predicate(constraint.violated).build()
        let scan = ScanExecutor(plan)
        var count = 0
        var examples: [String] = []
        while let batch = try scan.next() {
            count += batch.rowCount
            for row in 0..<min(batch.rowCount, 5 - examples.count) {
                examples.append("(" + TableConstraints.values(batch, row, Array(batch.schema.fields.indices)) + ")")
            }
        }
        if count > 0 {
            throw LakeError(.badInput, "\(count) row(s) of \(table) violate the constraint \(constraint.name) (\(DisplayText.value(constraint.expression))), e.g. \(examples.joined(separator: ", ")); delete or fix them first (lake delete \(table) --where \"NOT (\(constraint.expression))\"); nothing was changed")
        }
        let bounds = FileBounds(snapshot: snapshot)
        let violated = constraint.violated
        return ReadSet(files: [], predicate: { add in violated.mightMatch { bounds.partition(add, $0) ?? bounds.stats(add, $0) } })
    }
}

/// The new schema, partition columns, configuration and protocol of one alter, and how the
/// history records it.
struct SchemaChangePlan {
    let snapshot: Snapshot
    var schema: Schema
    var partitionColumns: [String]
    var configuration: [(String, String)]
    var protocolAction: ProtocolAction
    var parameters: [(String, String)] = []
    var summary = ""
    var notes: [String] = []
    var needsEmptyTable = false

    init(snapshot: Snapshot) throws {
        self.snapshot = snapshot
        schema = snapshot.schema
        partitionColumns = snapshot.metadata.partitionColumns
        configuration = snapshot.metadata.configuration
        protocolAction = snapshot.protocolAction
    }

    /// Spark's name for the operation.
    static func operation(_ change: AlterChange) -> String {
        switch change {
        case .addColumn: return "ADD COLUMNS"
        case .renameColumn: return "RENAME COLUMN"
        case .dropColumn: return "DROP COLUMNS"
        case .widenType, .setComment: return "CHANGE COLUMN"
        case .setProperty: return "SET TBLPROPERTIES"
        case .unsetProperty: return "UNSET TBLPROPERTIES"
        case .addConstraint: return "ADD CONSTRAINT"
        case .dropConstraint: return "DROP CONSTRAINT"
        }
    }

    var mapping: ColumnMapping { ColumnMapping(mode: ColumnMapping.Mode(rawValue: property("delta.columnMapping.mode")?.lowercased() ?? "none") ?? .none) }

    func property(_ key: String) -> String? { configuration.first { $0.0 == key }?.1 }

    mutating func setProperty(_ key: String, _ value: String) {
        if let index = configuration.firstIndex(where: { $0.0 == key }) { configuration[index].1 = value } else { configuration.append((key, value)) }
    }

    mutating func apply(_ change: AlterChange) throws {
        switch change {
        case .addColumn(let spec, let after): try addColumn(spec, after: after)
        case .renameColumn(let old, let new): try renameColumn(old, to: new)
        case .dropColumn(let column): try dropColumn(column)
        case .widenType(let column, let type): try widenType(column, to: type)
        case .setProperty(let key, let value): try setTableProperty(key, value)
        case .unsetProperty(let key): try unsetTableProperty(key)
        case .setComment(let column, let text): try setComment(column, text)
        case .addConstraint(let name, let expression): try addConstraint(name, expression)
        case .dropConstraint(let name): try dropConstraint(name)
        }
        requireSchemaFeatures()
    }

    /// Raises the protocol for what the new schema holds: `timestamp_ntz` columns need the
    /// `timestampNtz` reader and writer feature (PROTOCOL.md, "Timestamp without timezone").
    mutating func requireSchemaFeatures() {
        if schema.fields.contains(where: { Warehouse.containsNTZ($0.type) }) {
            protocolAction = TableFeatures.enabling("timestampNtz", readerFeature: true, legacy: nil, in: protocolAction)
        }
    }

    private func isPartitionColumn(_ path: FieldPath) -> Bool {
        path.parts.count == 1 && partitionColumns.contains(path.parts[0])
    }

    // MARK: - The changes

    private mutating func addColumn(_ spec: String, after: String?) throws {
        let (path, rest) = try Self.splitPath(spec)
        var field: Field
        do {
            guard let parsed = try Schema(parsing: "`\(path.leafName)` " + rest).fields.first else { throw DeltaError(.invalidArgument, "no column") }
            field = parsed
        } catch let error as SchemaSpecError {
            throw DeltaError(.invalidArgument, "add-column \"\(DisplayText.value(spec))\": \(error.message) (write \"NAME TYPE [not null] [comment 'TEXT']\")")
        }
        if !field.nullable {
            guard snapshot.files.allSatisfy({ $0.numRecords == 0 }) else {
                throw DeltaError(.invalidArgument, "cannot add '\(path)' as not null: the table has rows, which would have no value for it (add it nullable)")
            }
            needsEmptyTable = true
        }
        field = try addField(field, to: path.parent, after: after)
        let position: JSONValue = after.map { .string("AFTER \($0)") } ?? .null
        parameters = [("columns", JSONValue.array([.object([("column", Self.parameter(field, path: path)), ("position", position)])]).serialized())]
        summary = "added column \(path) \(field.type)\(field.nullable ? "" : " not null")"
    }

    /// Adds `field` to the struct at `parent` (with a column mapping id and physical name
    /// when the table maps columns); returns the field as added.
    mutating func addField(_ field: Field, to parent: FieldPath, after: String? = nil) throws -> Field {
        var field = field
        if mapping.mode != .none {
            let maxID = max(Int64(property("delta.columnMapping.maxColumnId") ?? "") ?? 0, ColumnMapping.maxID(schema))
            let (assigned, newMax) = ColumnMapping.assign(Schema([field]), maxID: maxID, keepNames: false)
            field = assigned.fields[0]
            setProperty("delta.columnMapping.maxColumnId", String(newMax))
        }
        schema = try SchemaEdit.add(field, to: parent, after: after, in: schema)
        return field
    }

    private mutating func renameColumn(_ old: String, to new: String) throws {
        let path = try FieldPath(parsing: old)
        guard SchemaEdit.field(path, in: schema) != nil else { throw DeltaError(.invalidArgument, "no column '\(path)' to rename") }
        try refuseIfConstrained(path, "renamed")
        // The new name is one name: the column keeps its place (backticks may quote it).
        let renamed = try FieldPath(parsing: new)
        guard renamed.parts.count == 1 else {
            throw DeltaError(.invalidArgument, "the new name '\(DisplayText.value(new))' must be one name (the column keeps its place; quote a dot with backticks)")
        }
        let newName = renamed.leafName
        try enableColumnMapping(for: "renaming a column")
        schema = try SchemaEdit.rename(path, to: newName, in: schema)
        if isPartitionColumn(path) {
            // Allowed under column mapping: partition values are keyed by the physical name.
            partitionColumns = partitionColumns.map { $0 == path.parts[0] ? newName : $0 }
        }
        parameters = [("oldColumnPath", path.description), ("newColumnPath", FieldPath(path.parent.parts + [newName]).description)]
        summary = "renamed column \(path) to \(newName)"
    }

    private mutating func dropColumn(_ column: String) throws {
        let path = try FieldPath(parsing: column)
        guard SchemaEdit.field(path, in: schema) != nil else { throw DeltaError(.invalidArgument, "no column '\(path)' to drop") }
        try refuseIfConstrained(path, "dropped")
        if isPartitionColumn(path) {
            throw DeltaError(.invalidArgument, "'\(path)' is a partition column: dropping it would change how every file is placed (Delta allows renaming a partition column under column mapping, never dropping it)")
        }
        try enableColumnMapping(for: "dropping a column")
        schema = try SchemaEdit.drop(path, in: schema)
        parameters = [("columns", JSONValue.array([.string(path.description)]).serialized())]
        summary = "dropped column \(path) (its data stays in the existing files, never read again)"
    }

    private mutating func widenType(_ column: String, to typeText: String) throws {
        let path = try FieldPath(parsing: column)
        let target: DataType
        do { target = try DataType(parsing: typeText) } catch let error as SchemaSpecError {
            throw DeltaError(.invalidArgument, "widen-type: '\(DisplayText.value(typeText))' is not a type: \(error.message)")
        }
        let current = try widen(path, to: target)
        parameters = [("column", path.description), ("newType", target.description)]
        summary = "widened \(path) from \(current) to \(target) (existing files are read at their type and widened)"
    }

    /// Widens the type at `path` to `target` (recording `delta.typeChanges` and turning type
    /// widening on); returns the type it had.
    @discardableResult
    mutating func widen(_ path: FieldPath, to target: DataType) throws -> DataType {
        guard let current = SchemaEdit.type(at: path, in: schema) else { throw DeltaError(.invalidArgument, "no column '\(path)' to widen") }
        if isPartitionColumn(path) {
            throw DeltaError(.invalidArgument, "'\(path)' is a partition column: its values live in the log as text of the old type; widening it is not allowed")
        }
        guard TypeWidening.allowed(from: current, to: target) else {
            throw DeltaError(.invalidArgument, "cannot change '\(path)' from \(current) to \(target): Delta type widening allows byte→short→int→long, float→double, byte/short/int→double, date→timestamp_ntz, decimal(p,s)→decimal(p+k1,s+k2) with k1 ≥ k2 ≥ 0, and integers to decimals that hold them")
        }
        schema = try SchemaEdit.retype(path, in: schema) { _ in target }
        // The change is recorded on the nearest field: a list's element or a map's key or
        // value names itself in `fieldPath`.
        let fieldParts = SchemaEdit.fieldPrefix(path, in: schema).parts
        let inner = path.parts.dropFirst(fieldParts.count).joined(separator: ".")
        var entry = TypeWidening.change(from: current, to: target)
        if !inner.isEmpty, case .object(var members) = entry { members.append(("fieldPath", .string(inner))); entry = .object(members) }
        schema = try SchemaEdit.update(FieldPath(fieldParts), in: schema) { field, _ in
            var field = field
            if let index = field.metadata.firstIndex(where: { $0.0 == "delta.typeChanges" }), case .array(let changes) = field.metadata[index].1 {
                field.metadata[index].1 = .array(changes + [entry])
            } else {
                field.metadata.append(("delta.typeChanges", .array([entry])))
            }
            return field
        }
        enableTypeWidening()
        return current
    }

    private mutating func setComment(_ column: String, _ text: String) throws {
        let path = try FieldPath(parsing: column)
        schema = try SchemaEdit.update(path, in: schema) { field, _ in
            var field = field
            if let index = field.metadata.firstIndex(where: { $0.0 == "comment" }) { field.metadata[index].1 = .string(text) }
            else { field.metadata.append(("comment", .string(text))) }
            return field
        }
        parameters = [("column", path.description), ("comment", text)]
        summary = "set the comment of \(path)"
    }

    private mutating func setTableProperty(_ key: String, _ value: String) throws {
        if key.lowercased().hasPrefix(TableConstraints.prefix) {
            throw DeltaError(.invalidArgument, "constraints are added with lake alter TABLE add-constraint NAME \"EXPR\" (which checks the rows already there), not as properties")
        }
        switch key {
        case "delta.columnMapping.mode":
            switch (mapping.mode, value.lowercased()) {
            case (.none, "name"): try enableColumnMapping(for: nil)
            case (let mode, let new) where mode.rawValue == new: break
            default:
                throw DeltaError(.invalidArgument, "delta.columnMapping.mode can go from none to name on an existing table, not from \(mapping.mode.rawValue) to \(DisplayText.value(value))")
            }
        case "delta.columnMapping.maxColumnId":
            throw DeltaError(.invalidArgument, "delta.columnMapping.maxColumnId is kept by lake as columns are added")
        case "delta.enableTypeWidening" where value.lowercased() == "true":
            enableTypeWidening()
        case "delta.enableDeletionVectors" where value.lowercased() == "true":
            setProperty(key, value)
            protocolAction = TableFeatures.enabling("deletionVectors", readerFeature: true, legacy: nil, in: protocolAction)
            notes.append("deletes now write deletion vectors (reader and writer feature 'deletionVectors'): readers must support them (DuckDB and Spark do; delta-rs reads them through QueryBuilder)")
        case "delta.enableChangeDataFeed" where value.lowercased() == "true":
            setProperty(key, value)
            protocolAction = TableFeatures.enabling("changeDataFeed", readerFeature: false, legacy: (1, 4), in: protocolAction)
            notes.append("data-changing commits now write change data (writer feature 'changeDataFeed'): lake changes and delta-rs load_cdf read it")
        default:
            setProperty(key, value)
        }
        parameters = [("properties", JSONValue.strings([(key, value)]).serialized())]
        summary = "set \(key)=\(value)"
    }

    /// A column a CHECK constraint reads cannot be renamed or dropped (as in Spark): the
    /// constraint would then name no column, or another one added later under the old name.
    private func refuseIfConstrained(_ path: FieldPath, _ how: String) throws {
        let column = path.parts[0]
        for (name, expression) in TableConstraints.declared(configuration) {
            let reads = (try? TableConstraints.compile(name, expression, schema: schema, table: ""))?.columns.map { schema.fields[$0].name }
            if reads?.contains(column) ?? expression.contains(column) {
                throw DeltaError(.invalidArgument, "column '\(column)' is read by the constraint \(name) (\(DisplayText.value(expression))) and cannot be \(how); drop the constraint first (lake alter TABLE drop-constraint \(name))")
            }
        }
    }

    /// Names as Spark keeps them: lowercased, letters, digits and `_`.
    private static func constraintName(_ name: String) throws -> String {
        let lowered = name.lowercased()
        guard !lowered.isEmpty, lowered.unicodeScalars.allSatisfy({ ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "_" }) else {
            throw DeltaError(.invalidArgument, "'\(DisplayText.value(name))' is not a constraint name (letters, digits and _)")
        }
        return lowered
    }

    private mutating func addConstraint(_ name: String, _ expression: String) throws {
        let name = try Self.constraintName(name)
        guard !TableConstraints.declared(configuration).contains(where: { $0.name.lowercased() == name }) else {
            throw DeltaError(.invalidArgument, "the table already has a constraint \(name) (drop it first: lake alter TABLE drop-constraint \(name))")
        }
        _ = try TableConstraints.compile(name, expression, schema: schema, table: "")
        setProperty(TableConstraints.prefix + name, expression)
        protocolAction = TableFeatures.enabling("checkConstraints", readerFeature: false, legacy: (1, 3), in: protocolAction)
        parameters = [("name", name), ("expr", expression)]
        summary = "added the constraint \(name) CHECK (\(expression))"
        notes.append("writers must now check the constraint (writer feature 'checkConstraints'): lake, delta-rs and Spark do")
    }

    private mutating func dropConstraint(_ name: String) throws {
        let lowered = name.lowercased()
        guard let key = configuration.first(where: { $0.0.lowercased() == TableConstraints.prefix + lowered })?.0 else {
            let known = TableConstraints.declared(configuration).map(\.name)
            throw DeltaError(.invalidArgument, "the table has no constraint \(DisplayText.value(name))" + (known.isEmpty ? "" : " (its constraints: \(known.joined(separator: ", ")))"))
        }
        let expression = property(key) ?? ""
        configuration.removeAll { $0.0 == key }
        parameters = [("name", lowered), ("expr", expression)]
        summary = "dropped the constraint \(lowered)"
    }

    private mutating func unsetTableProperty(_ key: String) throws {
        if key.lowercased().hasPrefix(TableConstraints.prefix) {
            throw DeltaError(.invalidArgument, "constraints are removed with lake alter TABLE drop-constraint NAME, not as properties")
        }
        guard configuration.contains(where: { $0.0 == key }) else { throw DeltaError(.invalidArgument, "the table has no property '\(DisplayText.value(key))'") }
        if key.hasPrefix("delta.columnMapping.") {
            throw DeltaError(.invalidArgument, "\(key) cannot be unset: the table's files are named by it")
        }
        configuration.removeAll { $0.0 == key }
        parameters = [("properties", JSONValue.array([.string(key)]).serialized()), ("ifExists", "false")]
        summary = "unset \(key)"
    }

    // MARK: - Features

    /// Turns on column mapping in `name` mode (unless on): every field gets an id and its
    /// current name as physical name, so the files already written stay as they are.
    private mutating func enableColumnMapping(for reason: String?) throws {
        guard mapping.mode == .none else { return }
        let (assigned, maxID) = ColumnMapping.assign(schema, maxID: 0, keepNames: true)
        schema = assigned
        setProperty("delta.columnMapping.mode", "name")
        setProperty("delta.columnMapping.maxColumnId", String(maxID))
        protocolAction = TableFeatures.enabling("columnMapping", readerFeature: true, legacy: (2, 5), in: protocolAction)
        notes.append((reason.map { "\($0) needs column mapping: " } ?? "") + "column mapping is now on (delta.columnMapping.mode=name, protocol reader \(protocolAction.minReaderVersion) / writer \(protocolAction.minWriterVersion)); readers need column-mapping support (Spark 3.x, delta-rs, DuckDB and polars have it)")
    }

    private mutating func enableTypeWidening() {
        if property("delta.enableTypeWidening")?.lowercased() != "true" { setProperty("delta.enableTypeWidening", "true") }
        let before = protocolAction.raw
        protocolAction = TableFeatures.enabling("typeWidening", readerFeature: true, legacy: nil, in: protocolAction)
        if protocolAction.raw != before {
            notes.append("type widening is now on (reader and writer feature 'typeWidening'): readers must support it (DuckDB and Spark 4 do; delta-rs 1.6.6 refuses the table)")
        }
    }

    /// A field as Spark's `ADD COLUMNS` parameters show it: named by its path.
    static func parameter(_ field: Field, path: FieldPath) -> JSONValue {
        .object([("name", .string(path.description)), ("type", SchemaJSON.encode(field.type)),
                 ("nullable", .bool(field.nullable)), ("metadata", .object(field.metadata))])
    }

    /// `NAME …` of an add-column spec: the (possibly nested, backtick-quoted) path and the rest.
    static func splitPath(_ spec: String) throws -> (FieldPath, String) {
        var quoted = false
        let text = spec.trimmingSpaces()
        var end = text.endIndex
        for index in text.indices {
            let c = text[index]
            if c == "`" { quoted.toggle() }
            if !quoted && (c == " " || c == "\t") { end = index; break }
        }
        guard end != text.endIndex else {
            throw DeltaError(.invalidArgument, "add-column \"\(DisplayText.value(spec))\": expected \"NAME TYPE [not null] [comment 'TEXT']\"")
        }
        return (try FieldPath(parsing: String(text[..<end])), String(text[end...]))
    }
}
