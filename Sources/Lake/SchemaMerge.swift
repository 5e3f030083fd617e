import Columnar
import DeltaLog
import Ingest
import LakeCore

/// `append --merge-schema`: the inputs' columns the table lacks become nullable columns (at
/// the end, or at the end of their struct), and a type a Parquet input declares wider than
/// the table's widens it when the table allows type widening, all in the append's commit.
extension SchemaChangePlan {
    /// Merges the schemas of `files` (each read once for its columns: a Parquet footer, or a
    /// sample of a text input); returns the paths of the columns added.
    mutating func merge(inputs files: [String], options: IngestOptions) throws -> [String] {
        var added: [String] = []
        for file in files {
            guard file != "-" else {
                throw LakeError(.invalidArgument, "--merge-schema reads each input's columns before loading it, so it needs files, not stdin")
            }
            let format = try Ingest.format(of: file, options)
            let input = try SchemaInference.infer(file, options: options)
            // Text inputs' types are guesses from a sample: they add columns, never widen.
            try merge(input.fields, at: FieldPath([]), source: DisplayText.path(file), widens: format == .parquet, added: &added)
        }
        if !added.isEmpty { summary = "added column\(added.count == 1 ? "" : "s") \(added.joined(separator: ", "))" }
        requireSchemaFeatures()
        return added
    }

    private mutating func merge(_ fields: [Field], at parent: FieldPath, source: String, widens: Bool,
                                added: inout [String]) throws {
        guard case .struct(let existing)? = parent.parts.isEmpty ? .struct(schema.fields) : SchemaEdit.type(at: parent, in: schema) else { return }
        for field in fields {
            let path = FieldPath(parent.parts + [field.name])
            guard let current = existing.first(where: { $0.name == field.name }) ?? existing.first(where: { $0.name.lowercased() == field.name.lowercased() }) else {
                _ = try addField(Self.nullable(field), to: parent)
                added.append(path.description)
                continue
            }
            let here = FieldPath(parent.parts + [current.name])
            switch (current.type, field.type) {
            case (.struct, .struct(let inner)):
                try merge(inner, at: here, source: source, widens: widens, added: &added)
            case (.array(.struct, _), .array(.struct(let inner), _)):
                try merge(inner, at: FieldPath(here.parts + ["element"]), source: source, widens: widens, added: &added)
            case (let have, let want) where widens && TypeWidening.allowed(from: have, to: want):
                guard property("delta.enableTypeWidening")?.lowercased() == "true" else {
                    throw LakeError(.badInput, "\(source): column '\(here)' is \(want), wider than the table's \(have); the table does not allow type widening (lake alter TABLE set-property delta.enableTypeWidening=true, or lake alter TABLE widen-type \(here) \(want))")
                }
                try widen(here, to: want)
                added.append("\(here) (widened to \(want))")
            default:
                // The same type, or one the load casts exactly (checking every value).
                break
            }
        }
    }

    /// `field` and everything in it nullable (rows already in the table have no value for it).
    static func nullable(_ field: Field) -> Field {
        func loosen(_ type: DataType) -> DataType {
            switch type {
            case .struct(let fields): return .struct(fields.map(nullable))
            case .array(let e, _): return .array(element: loosen(e), containsNull: true)
            case .map(let k, let v, _): return .map(key: loosen(k), value: loosen(v), valueContainsNull: true)
            default: return type
            }
        }
        var field = field
        field.nullable = true
        field.type = loosen(field.type)
        return field
    }
}
