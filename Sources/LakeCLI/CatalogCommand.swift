import ArgumentParser
import Lake

/// `lake catalog sync`
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "Catalog maintenance.",
                                                    subcommands: [Sync.self])

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the catalog's indexes from the tables' logs, and register table folders found in the warehouse.")

        @Flag(help: "Move the catalog file aside (a damaged one too) and build a new one from the table folders.")
        var rebuild = false

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try runReportingErrors(global) { emit(global, try global.warehouseHandle().syncCatalog(rebuild: rebuild)) }
        }
    }
}

extension SyncResult: CommandOutput {
    var json: JSON {
        .orderedObject([("synced", .array(synced.map { .string($0) })), ("discovered", .array(discovered.map { .string($0) })),
                        ("missing", .array(missing.map { .string($0) })),
                        ("moved_aside", movedAside.map { .string($0) } ?? .null)])
    }

    var text: String {
        var text = ""
        if let movedAside { text += "moved the old catalog aside to \(movedAside)\n" }
        text += "synced \(synced.count) table(s)"
        if !discovered.isEmpty { text += "; registered \(discovered.count) table folder(s) found in the warehouse: \(discovered.joined(separator: ", "))" }
        if !missing.isEmpty { text += "; no table found for: \(missing.joined(separator: ", "))" }
        text += "\n"
        if movedAside != nil || !discovered.isEmpty {
            text += "note: external tables (registered, or created with --location outside the warehouse) are not found this way; register them again with lake register\n"
        }
        return text
    }
}
