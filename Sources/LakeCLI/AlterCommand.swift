import ArgumentParser
import Lake

/// `lake alter`
struct AlterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alter",
        abstract: "Change a table's schema or properties, in one commit.",
        discussion: """
            lake alter TABLE add-column "NAME TYPE [not null] [comment 'TEXT']" [--after COL]
            lake alter TABLE rename-column OLD NEW
            lake alter TABLE drop-column NAME
            lake alter TABLE widen-type COL TYPE
            lake alter TABLE set-property K=V
            lake alter TABLE unset-property K
            lake alter TABLE set-comment COL TEXT
            lake alter TABLE add-constraint NAME "EXPR"
            lake alter TABLE drop-constraint NAME

            A constraint (EXPR: the --where grammar) must not be FALSE for any row (NULL \
            passes); it is added only when no row already there violates it, and every \
            append, overwrite, merge and update then checks it.

            Nested fields are addressed by path: address.zip, items.element.price, attrs.value. \
            Renaming or dropping a column turns on column mapping (name mode; existing files \
            are not rewritten), widening a type turns on type widening; readers of the table \
            then need those features.
            """)

    @Argument(help: "The table.")
    var table: String

    @Argument(help: "add-column, rename-column, drop-column, widen-type, set-property, unset-property, set-comment, add-constraint or drop-constraint.")
    var action: String

    @Argument(help: "The action's arguments.")
    var values: [String] = []

    @Option(name: .customLong("after"), help: "With add-column: place the column after this one (default: at the end).")
    var after: String?

    @OptionGroup var global: GlobalOptions

    static let arity: [String: (count: Int, usage: String)] = [
        "add-column": (1, "add-column \"NAME TYPE\""), "rename-column": (2, "rename-column OLD NEW"),
        "drop-column": (1, "drop-column NAME"), "widen-type": (2, "widen-type COL TYPE"),
        "set-property": (1, "set-property K=V"), "unset-property": (1, "unset-property K"),
        "set-comment": (2, "set-comment COL TEXT"),
        "add-constraint": (2, "add-constraint NAME \"EXPR\""), "drop-constraint": (1, "drop-constraint NAME"),
    ]

    func validate() throws {
        guard let expected = Self.arity[action] else {
            throw ValidationError("'\(action)' is not an alter action: use one of \(Self.arity.keys.sorted().joined(separator: ", "))")
        }
        guard values.count == expected.count else {
            throw ValidationError("\(action) takes \(expected.count) argument\(expected.count == 1 ? "" : "s"): lake alter TABLE \(expected.usage)")
        }
        if after != nil && action != "add-column" {
            throw ValidationError("--after applies only to add-column")
        }
        if action == "set-property", !values[0].contains("=") || values[0].hasPrefix("=") {
            throw ValidationError("set-property takes K=V, like delta.logRetentionDuration='interval 60 days'")
        }
    }

    func run() throws {
        try runReportingErrors(global) {
            let change: AlterChange
            switch action {
            case "add-column": change = .addColumn(spec: values[0], after: after)
            case "rename-column": change = .renameColumn(values[0], to: values[1])
            case "drop-column": change = .dropColumn(values[0])
            case "widen-type": change = .widenType(values[0], to: values[1])
            case "set-property":
                let parts = values[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                change = .setProperty(String(parts[0]), String(parts[1]))
            case "unset-property": change = .unsetProperty(values[0])
            case "add-constraint": change = .addConstraint(values[0], values[1])
            case "drop-constraint": change = .dropConstraint(values[0])
            default: change = .setComment(values[0], values[1])
            }
            let result = try global.warehouseHandle().alter(try TableName(parsing: table), change)
            emit(global, result, warnings: result.warnings)
        }
    }
}

extension AlterResult: CommandOutput {
    var json: JSON {
        .orderedObject([
            ("table", .string(table)), ("version", .int(Int(version))), ("operation", .string(operation)),
            ("change", .string(change)), ("notes", .array(notes.map(JSON.string))), ("schema", .raw(schemaJSON)),
        ])
    }

    var text: String {
        "altered \(table): \(change): version \(version)\n" + notes.map { "note: \($0)\n" }.joined()
    }
}
