import ArgumentParser
import Lake

/// `lake version` (a subcommand: `--version` selects a table version everywhere else).
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print lake's version.")
    @OptionGroup var global: GlobalOptions

    func run() throws { emit(global, LakeVersionInfo()) }
}

/// lake's version.
struct LakeVersionInfo: CommandOutput {
    var json: JSON { .object(["version": .string(lakeVersion)]) }
    var text: String { "lake \(lakeVersion)\n" }
}
