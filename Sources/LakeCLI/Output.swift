import ArgumentParser
import Lake
#if canImport(Glibc)
import Glibc
#endif

/// A command's result: one value that prints itself as text and as a `--json` document.
protocol CommandOutput {
    var json: JSON { get }
    var text: String { get }
}

/// Prints a result: its `--json` document, or its text (nothing with `-q`: cron mails any
/// output, so a quiet success is silent).
func emit(_ global: GlobalOptions, _ output: some CommandOutput) {
    if global.json { print(output.json.serialized()) } else if !global.quiet { print(output.text, terminator: "") }
}

/// Prints `output`, then on stderr what the work after its commits could not do (unless `-q`).
func emit(_ global: GlobalOptions, _ output: some CommandOutput, warnings: [String]) {
    emit(global, output)
    if !global.quiet { for warning in warnings { writeStandardError("lake: warning: \(warning)\n") } }
}

/// Runs a command body with the contract's error handling: one line on stderr (or a JSON
/// error document with `--json`) and the matching exit code.
func runReportingErrors(_ options: GlobalOptions, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        report(.usage(error.message), json: options.json)
        throw ExitCode(FailureReport.usage("").exitCode)
    } catch {
        let failure = FailureReport(error)
        report(failure, json: options.json)
        throw ExitCode(failure.exitCode)
    }
}

/// Prints a failure: a JSON error document on stdout with `--json`, else one line on stderr.
func report(_ failure: FailureReport, json: Bool) {
    if json {
        print(JSON.object(["error": .object(["type": .string(failure.type), "message": .string(failure.message)])]).serialized())
    } else {
        writeStandardError(failure.located ? "\(failure.message)\n" : "lake: error: \(failure.message)\n")
    }
}

/// Writes text to stderr unbuffered.
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
