import ArgumentParser
import Catalog
import Columnar
import DeltaLog
import Ingest
import Lake
import Parquet
import Query
#if canImport(Glibc)
import Glibc
#endif

/// `lake`: a lakehouse in one command.
@main
struct Lake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lake",
        abstract: "A lakehouse in one command: Delta Lake tables on a directory, Parquet files you can inspect and scan.",
        subcommands: [Init.self, Create.self, Append.self, Scan.self, Count.self, History.self, Describe.self,
                      Files.self, List.self, Drop.self, Rename.self, Register.self, CatalogCommand.self, Inspect.self,
                      VersionCommand.self]
    )

    /// Entry point: a closed stdout (`lake scan … | head`) ends the command quietly instead
    /// of killing it with SIGPIPE.
    /// Usage errors exit with 2, as the contract says (ArgumentParser's default is 64).
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        configureAllocator()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code.rawValue == 64 else { exit(withError: error) }
            let message = Self.message(for: error) + " (see 'lake help')"
            if CommandLine.arguments.contains("--json") {
                let document = JSON.object(["error": .object(["type": .string("usage"), "message": .string(message)])])
                print(document.serialized())
            } else {
                writeStandardError("lake: error: " + message + "\n")
            }
            exit(withError: ExitCode(CommandFailure.Code.usage.rawValue))
        }
    }
}

/// Options every command takes (DESIGN §3).
struct GlobalOptions: ParsableArguments {
    @Option(name: [.short, .customLong("warehouse")], help: "The warehouse directory (default: $LAKE_WAREHOUSE or ./lakehouse).")
    var warehouse: String?

    @Flag(name: .customLong("json"), help: "Print one JSON document on stdout (errors as {\"error\": …}).")
    var json = false

    @Flag(name: [.short, .customLong("quiet")], help: "No progress or notes on stderr.")
    var quiet = false
}

/// A failure with the exit code and error type the command-line contract assigns to it.
struct CommandFailure: Error, CustomStringConvertible {
    /// The contract's exit codes.
    enum Code: Int32 {
        case runtime = 1, usage = 2, conflict = 3, notFound = 4
    }

    var code: Code
    var type: String
    var message: String

    var description: String { message }

    init(_ code: Code, type: String, _ message: String) {
        self.code = code
        self.type = type
        self.message = message
    }

    /// Classifies any error thrown by the library modules.
    init(_ error: Error) {
        switch error {
        case let failure as CommandFailure:
            self = failure
        case let e as ParquetError:
            switch e.kind {
            case .notFound: self.init(.notFound, type: "not_found", e.description)
            case .invalidArgument: self.init(.usage, type: "invalid_argument", e.description)
            case .corrupt: self.init(.runtime, type: "corrupt_file", e.description)
            case .unsupported: self.init(.runtime, type: "unsupported", e.description)
            case .io: self.init(.runtime, type: "io", e.description)
            }
        case let e as DeltaError:
            switch e.kind {
            case .notFound: self.init(.notFound, type: "not_found", e.message)
            case .conflict: self.init(.conflict, type: "commit_conflict", e.message)
            case .unsupported: self.init(.runtime, type: "unsupported", e.message)
            case .corrupt: self.init(.runtime, type: "corrupt_table", e.message)
            case .invalidArgument: self.init(.usage, type: "invalid_argument", e.message)
            case .io: self.init(.runtime, type: "io", e.message)
            }
        case let e as LakeError:
            switch e.kind {
            case .notFound: self.init(.notFound, type: "not_found", e.message)
            case .invalidArgument: self.init(.usage, type: "invalid_argument", e.message)
            case .alreadyExists: self.init(.runtime, type: "already_exists", e.message)
            case .runtime: self.init(.runtime, type: "error", e.message)
            case .badInput: self.init(.runtime, type: "bad_input", e.message)
            }
        case let e as CatalogError:
            self.init(e.kind == .notFound ? .notFound : .runtime, type: e.kind == .notFound ? "not_found" : "already_exists", e.message)
        case let e as IngestError:
            switch e.kind {
            case .badInput: self.init(.runtime, type: "bad_input", e.message)
            case .notFound: self.init(.notFound, type: "not_found", e.message)
            case .invalidArgument: self.init(.usage, type: "invalid_argument", e.message)
            case .io: self.init(.runtime, type: "io", e.message)
            }
        case let e as QueryError:
            self.init(.usage, type: "invalid_predicate", e.description)
        case let e as SchemaSpecError:
            self.init(.usage, type: "invalid_schema", e.description)
        case let e as SQLiteError:
            self.init(.runtime, type: "catalog", e.description)
        default:
            self.init(.runtime, type: "error", "\(error)")
        }
    }
}

/// Runs a command body with the contract's error handling: one line on stderr (or a JSON
/// error document with `--json`) and the matching exit code.
func runReportingErrors(_ options: GlobalOptions, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch is OutputClosedSignal {
        throw ExitCode.success
    } catch {
        let failure = CommandFailure(error)
        if options.json {
            let document = JSON.object([
                "error": .object(["type": .string(failure.type), "message": .string(failure.message)]),
            ])
            print(document.serialized())
        } else {
            writeStandardError("lake: error: \(failure.message)\n")
        }
        throw ExitCode(failure.code.rawValue)
    }
}

/// Marker for "the reader of stdout went away": stop quietly.
struct OutputClosedSignal: Error {}

/// Writes text to stderr unbuffered.
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// `--version N` / `--as-of TIME`.
struct VersionOptions: ParsableArguments {
    @Option(name: .customLong("version"), help: "Read this version of the table.")
    var version: Int64?

    @Option(name: .customLong("as-of"), help: "Read the table as it was at TIME (RFC 3339, or a date for midnight UTC).")
    var asOf: String?

    func validate() throws {
        if version != nil && asOf != nil { throw ValidationError("use either --version or --as-of, not both") }
        if let version, version < 0 { throw ValidationError("--version must be zero or more") }
    }

    func selector() throws -> VersionSelector {
        if let version { return .version(version) }
        if let asOf { return .asOf(try parseTime(asOf)) }
        return .latest
    }
}

extension GlobalOptions {
    /// The warehouse these options name.
    func warehouseHandle() -> Warehouse { Warehouse(path: warehouse) }

    /// The table a command names and the snapshot its version options select.
    func snapshot(of table: String, _ versions: VersionOptions) throws -> (Warehouse, ResolvedTable, Snapshot) {
        let warehouse = warehouseHandle()
        let resolved = try warehouse.resolve(TableName(parsing: table))
        return (warehouse, resolved, try warehouse.snapshot(resolved, versions.selector()))
    }
}

/// Prints a `--json` document or, without `--json`, the text.
func emit(_ global: GlobalOptions, json: @autoclosure () -> JSON, text: @autoclosure () -> String) {
    if global.json { print(json().serialized()) } else { print(text(), terminator: "") }
}

/// `lake version` (a subcommand: `--version` selects a table version everywhere else).
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print lake's version.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        emit(global, json: .object(["version": .string(LakeVersion.current)]), text: "lake \(LakeVersion.current)\n")
    }
}
