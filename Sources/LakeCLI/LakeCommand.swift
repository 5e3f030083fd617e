import ArgumentParser
import Lake
#if canImport(Glibc)
import Glibc
#endif

/// `lake`: a lakehouse in one command. This executable only parses arguments and prints
/// results; every operation is a call into the `Lake` library.
@main
struct LakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lake",
        abstract: "A lakehouse in one command: Delta Lake tables on a directory, Parquet files you can inspect and scan.",
        subcommands: [InitCommand.self, CreateCommand.self, AppendCommand.self, ScanCommand.self, ChangesCommand.self, CountCommand.self, CheckCommand.self,
                      HistoryCommand.self, DescribeCommand.self, FilesCommand.self, ListCommand.self, DropCommand.self,
                      RenameCommand.self, RegisterCommand.self, AlterCommand.self, RestoreCommand.self, DeleteCommand.self, OverwriteCommand.self, UpdateCommand.self, MergeCommand.self, CheckpointCommand.self, CompactCommand.self, VacuumCommand.self, MaintainCommand.self, CatalogCommand.self, InspectCommand.self,
                      VersionCommand.self]
    )

    /// Entry point: a closed stdout (`lake scan … | head`) ends the command quietly instead
    /// of killing it with SIGPIPE.
    /// Usage errors exit with 2, as the contract says (ArgumentParser's default is 64).
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        handleInterrupts()
        configureProcess()
        let names = configuration.subcommands.compactMap { $0.configuration.commandName }
        let arguments: [String]
        switch Arguments.plan(Array(CommandLine.arguments.dropFirst()), commands: names) {
        case .parse(let parsed): arguments = parsed
        case .help:
            writeStandardError(helpMessage())
            exit(withError: ExitCode(FailureReport.usage("").exitCode))
        case .unknown(let message):
            report(.usage(message), json: CommandLine.arguments.contains("--json"))
            exit(withError: ExitCode(FailureReport.usage("").exitCode))
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code.rawValue == 64 else { exit(withError: error) }
            report(.usage(message(for: error) + " (see 'lake help')"), json: CommandLine.arguments.contains("--json"))
            exit(withError: ExitCode(FailureReport.usage("").exitCode))
        }
    }
}
