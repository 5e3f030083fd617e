import Columnar
import DeltaLog
import Ingest
import LakeCore
import Query

/// A table's CHECK constraints (PROTOCOL.md, "CHECK Constraints": `delta.constraints.<name>`
/// in its configuration, SQL that every row must not make FALSE) and column invariants
/// ("Column Invariants": `delta.invariants` in a column's metadata, the older form), compiled
/// for checking rows. Constraints added by any engine count; one lake cannot parse makes
/// every write refuse, naming it: a constraint is never silently ignored.
struct TableConstraints: RowCheck {
    /// One constraint: its name, its SQL, and the predicate true exactly where it is violated.
    struct Constraint {
        let name: String
        let expression: String
        let violated: Predicate
        /// The columns it reads, in schema order (the values a violation shows).
        let columns: [Int]
    }

    static let prefix = "delta.constraints."

    let constraints: [Constraint]

    /// The declared constraints of a table's configuration: name and SQL, by name.
    static func declared(_ configuration: [(String, String)]) -> [(name: String, expression: String)] {
        configuration.filter { $0.0.lowercased().hasPrefix(prefix) }
            .map { (String($0.0.dropFirst(prefix.count)), $0.1) }
            .sorted { $0.name < $1.name }
    }

    init(constraints: [Constraint]) { self.constraints = constraints }

    /// The constraints of `snapshot`, compiled; `badInput` (exit 1) naming the first one lake
    /// cannot evaluate.
    init(_ snapshot: Snapshot) throws {
        constraints = try Self.declared(snapshot.metadata.configuration).map { name, expression in
            try Self.compile(name, expression, schema: snapshot.schema, table: nil)
        } + Self.invariants(snapshot.schema).map { name, expression in
            try Self.compile(name, expression, schema: snapshot.schema, table: nil)
        }
    }

    /// The column invariants of a schema (`{"expression": {"expression": SQL}}` in a
    /// top-level column's `delta.invariants`), each named `invariant(COLUMN)`; one on a nested
    /// field, which lake cannot check, is refused.
    static func invariants(_ schema: Schema) throws -> [(name: String, expression: String)] {
        var found: [(String, String)] = []
        func visit(_ field: Field, topLevel: Bool) throws {
            if let raw = field.metadata.first(where: { $0.0 == "delta.invariants" })?.1 {
                let parsed = raw.stringValue.flatMap { try? JSONValue.parse($0) } ?? raw
                guard topLevel, let sql = parsed["expression"]?["expression"]?.stringValue else {
                    throw LakeError(.badInput, "column \(DisplayText.value(field.name)) has an invariant lake cannot check (\(DisplayText.value(raw.serialized()))); lake does not write to the table rather than ignore it")
                }
                found.append(("invariant(\(field.name))", sql))
            }
            if case .struct(let children) = field.type { for child in children { try visit(child, topLevel: false) } }
        }
        for field in schema.fields { try visit(field, topLevel: true) }
        return found
    }

    /// One constraint compiled against `schema`; `table` names the table in the error (nil
    /// when the table itself holds the constraint: writes to it are refused).
    static func compile(_ name: String, _ expression: String, schema: Schema, table: String?) throws -> Constraint {
        do {
            let violated = try Predicate(parsing: "NOT (\(expression))", schema: schema)
            let reads = violated.columns
            return Constraint(name: name, expression: expression, violated: violated,
                              columns: schema.fields.indices.filter { reads.contains(schema.fields[$0].name) })
        } catch let error as QueryError {
            if table != nil { throw LakeError(.invalidArgument, "the expression of constraint \(name), \(DisplayText.value(expression)), does not parse: \(error.message)") }
            throw LakeError(.badInput, "the table's CHECK constraint \(DisplayText.value(name)) (\(DisplayText.value(expression))) is SQL lake cannot evaluate (\(error.message)); lake does not write to the table rather than ignore it (lake alter TABLE drop-constraint \(DisplayText.value(name)) removes it)")
        }
    }

    var isEmpty: Bool { constraints.isEmpty }

    /// The rows of `batch` (the table's columns) some constraint rejects, each with the
    /// first constraint it fails and the values that fail it.
    func violations(_ batch: RecordBatch) throws -> [RowViolation] {
        var found: [Int: RowViolation] = [:]
        for constraint in constraints {
            for row in try constraint.violated.select(batch) where found[row] == nil {
                found[row] = RowViolation(row: row, message: "violates CHECK constraint \(constraint.name) (\(DisplayText.value(constraint.expression))): \(Self.values(batch, row, constraint.columns))")
            }
        }
        return found.keys.sorted().map { found[$0]! }
    }

    /// `col=value, …` of one row.
    static func values(_ batch: RecordBatch, _ row: Int, _ columns: [Int]) -> String {
        columns.map { c -> String in
            var text: [UInt8] = []
            ColumnText.appendJSON(batch.columns[c], row, to: &text)
            return "\(batch.schema.fields[c].name)=\(DisplayText.value(String(decoding: text, as: UTF8.self)))"
        }.joined(separator: ", ")
    }

    /// Throws `badInput` (exit 1) for the first row of `batch` a constraint rejects: rows a
    /// command computes (an update's new values), named by `describe`.
    func check(_ batch: RecordBatch, describe: (Int) -> String) throws {
        guard let first = try violations(batch).first else { return }
        throw LakeError(.badInput, "\(describe(first.row)) \(first.message); nothing was changed")
    }
}
