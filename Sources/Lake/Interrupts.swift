import LakeCore
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM end lake cleanly: the files of a write that has not committed are
/// removed (``PendingFiles``), then the process exits with 128 + the signal (130, 143).
///
/// Call once at start, before any thread: the signals are blocked in every thread and
/// received by one thread of their own.
public func handleInterrupts() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &set, nil)
    var thread = pthread_t()
    pthread_create(&thread, nil, { _ in
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var signal: Int32 = 0
        while sigwait(&set, &signal) != 0 {}
        PendingFiles.shared.removeAllAndHold()
        // Clear a progress line, if one is drawn.
        if isatty(2) == 1 { _ = "\r\u{1B}[2K".withCString { write(2, $0, 5) } }
        _exit(128 + signal)
    }, nil)
}
