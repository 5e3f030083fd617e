import ArgumentParser
import Lake

/// `lake catalog sync`
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "Catalog maintenance.",
                                                    subcommands: [Sync.self])

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rebuild the catalog's indexes from the tables' logs.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try runReportingErrors(global) { emit(global, try global.warehouseHandle().syncCatalog()) }
        }
    }
}

extension SyncResult: CommandOutput {
    var json: JSON { .object(["synced": .array(synced.map { .string($0) }), "missing": .array(missing.map { .string($0) })]) }
    var text: String {
        "synced \(synced.count) table(s)" + (missing.isEmpty ? "" : "; no table found for: \(missing.joined(separator: ", "))") + "\n"
    }
}
