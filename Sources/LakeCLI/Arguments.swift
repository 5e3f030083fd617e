import Lake

/// The command line as ArgumentParser wants it: global options (`-w/--warehouse DIR`,
/// `--json`, `-q/--quiet`) may come before the subcommand as well as after it, so they are
/// moved behind it; `lake --version` is `lake version`.
enum Arguments {
    /// Options every subcommand takes; the ones with a value.
    static let globalFlags: Set<String> = ["--json", "-q", "--quiet"]
    static let globalOptions: Set<String> = ["-w", "--warehouse"]

    /// What to do with the raw arguments (without the program name).
    enum Plan: Equatable {
        /// Parse these.
        case parse([String])
        /// No subcommand at all: print help, exit 2.
        case help
        /// An unknown subcommand: the message.
        case unknown(String)
    }

    static func plan(_ arguments: [String], commands: [String]) -> Plan {
        var leading: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if globalFlags.contains(a) {
                leading.append(a)
                i += 1
            } else if globalOptions.contains(a), i + 1 < arguments.count {
                leading += [a, arguments[i + 1]]
                i += 2
            } else if a.hasPrefix("--warehouse=") {
                leading.append(a)
                i += 1
            } else {
                break
            }
        }
        guard i < arguments.count else { return .help }
        var command = arguments[i]
        if command == "--version" { command = "version" }
        if command == "-h" || command == "--help" || command == "help" {
            return .parse(Array(arguments[i...]) + leading)
        }
        guard commands.contains(command) else {
            var message = "unknown command '\(command)'"
            if let near = closestMatch(command, among: commands) { message += "; did you mean '\(near)'?" }
            return .unknown(message + " (lake help lists the commands)")
        }
        // Global options go after the subcommand (and after any of its own subcommand).
        var rest = [command] + Array(arguments[(i + 1)...])
        if command == "catalog", rest.count > 1, !rest[1].hasPrefix("-") {
            rest = Array(rest[0...1]) + leading + Array(rest[2...])
        } else {
            rest = [command] + leading + Array(rest.dropFirst())
        }
        return .parse(rest)
    }
}
