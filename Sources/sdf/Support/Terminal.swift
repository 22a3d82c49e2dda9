import Foundation
import SDFCore
import SDFEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line to standard error, with control characters shown visibly (messages quote file names, server
/// answers and model output, which must never drive the terminal).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((ControlCharacters.visible(text) + "\n").utf8))
}

/// Shows run progress on stderr: a redrawn line on a terminal, plain periodic lines otherwise.
final class ProgressDisplay: Sendable {
    struct State {
        var total = 0
        var alreadyDone = 0
        var done = 0
        var failed = 0
        var comments = 0
        var abstentions = 0
        var failedCalls = 0
        var tokens = 0
        var annotationTotal = 0
        var annotationDone = 0
        var annotationOK = 0
        var annotationAlreadyDone = 0
        var lastDraw = Date.distantPast
        var lastLine = Date()
    }
    let state = Mutex(State())
    let isTTY = isatty(STDERR_FILENO) == 1
    let start = Date()

    func handle(_ event: RunEvent) {
        let text: String? = state.withLock { s in
            switch event {
            case .started(let total, let alreadyDone, let inFlight):
                s.total = total
                s.alreadyDone = alreadyDone
                if alreadyDone >= total { return nil }
                let resuming = alreadyDone > 0 ? "resuming: \(alreadyDone) of \(total) discussions already done; " : ""
                return resuming + "\(inFlight) discussion\(inFlight == 1 ? "" : "s") in flight"
            case .turn(_, let outcome, _, let tokens):
                switch outcome {
                case .comment: s.comments += 1
                case .abstention: s.abstentions += 1
                case .failed: s.failedCalls += 1
                }
                s.tokens += tokens
            case .annotationQueued(let jobs, let alreadyDone):
                s.annotationTotal += jobs + alreadyDone
                s.annotationDone += alreadyDone
                s.annotationAlreadyDone += alreadyDone
            case .annotation(let status):
                s.annotationDone += 1
                if status == .ok { s.annotationOK += 1 }
            case .discussionFinished(_, let status, let label, let replicate):
                if status == .done { s.done += 1 } else { s.failed += 1 }
                if !isTTY {
                    return "discussion \(label) #\(replicate) \(status.rawValue) — " + line(s)
                }
            }
            let now = Date()
            if isTTY, now.timeIntervalSince(s.lastDraw) > 0.1 {
                s.lastDraw = now
                return "\r\u{1B}[2K" + line(s)
            }
            if !isTTY, now.timeIntervalSince(s.lastLine) > 15 {
                s.lastLine = now
                return line(s)
            }
            return nil
        }
        if let text {
            if isTTY && text.hasPrefix("\r") {
                FileHandle.standardError.write(Data(text.utf8))
            } else {
                printError(text)
            }
        }
    }

    func line(_ s: State) -> String {
        let elapsed = max(Date().timeIntervalSince(start), 0.001)
        var parts: [String] = []
        var eta: Double?
        if s.total > 0 {
            let finished = s.done + s.failed
            let pending = s.total - s.alreadyDone
            if finished > 0 && finished < pending { eta = elapsed / Double(finished) * Double(pending - finished) }
            parts.append(
                String(
                    format: "discussions %d/%d | comments %d | abstentions %d | failed calls %d | %.1f tok/s",
                    s.done + s.alreadyDone, s.total, s.comments, s.abstentions, s.failedCalls, Double(s.tokens) / elapsed))
        }
        if s.annotationTotal > 0 {
            parts.append("annotations \(s.annotationDone)/\(s.annotationTotal) (parsed \(s.annotationOK) this run)")
            let doneNow = s.annotationDone - s.annotationAlreadyDone
            let left = s.annotationTotal - s.annotationDone
            if s.done + s.failed + s.alreadyDone >= s.total, doneNow > 0, left > 0 {
                eta = elapsed / Double(doneNow) * Double(left)
            }
        }
        parts.append(String(format: "%.0fs", elapsed) + (eta.map { String(format: " | ETA %.0fs", $0) } ?? ""))
        return parts.joined(separator: " | ")
    }

    func finish() {
        if isTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    /// Prints a note on its own line: on a terminal the progress line is cleared first and redrawn after it, so
    /// the note never lands in the middle of the line.
    func note(_ text: String) {
        let redraw: String? = state.withLock { s in
            guard isTTY else { return nil }
            s.lastDraw = Date()
            return line(s)
        }
        if isTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        printError(text)
        if let redraw { FileHandle.standardError.write(Data(ControlCharacters.visible(redraw).utf8)) }
    }
}

/// Shows the progress of an import, export or report on stderr, in `sdf run`'s style: one redrawn line on a
/// terminal (at most 10 per second), otherwise a plain line when a phase starts and every 15 s.
///
/// Each phase gets its own ETA: time spent in the phase ÷ units done × units left (none while nothing is done or
/// the phase's size is unknown).
final class WorkProgressDisplay: Sendable {
    struct State {
        var phase = ""
        var phaseStart = Date()
        var lastDraw = Date.distantPast
        var lastLine = Date()
    }
    let state = Mutex(State())
    let isTTY = isatty(STDERR_FILENO) == 1
    let start = Date()
    /// The command's name, printed first (e.g. `export csv`).
    let label: String

    init(_ label: String) { self.label = label }

    /// The handler to pass to the library.
    var handler: WorkProgressHandler { { [self] event in self.handle(event) } }

    func handle(_ event: WorkProgress) {
        let text: String? = state.withLock { s in
            let now = Date()
            let newPhase = event.phase != s.phase
            if newPhase {
                s.phase = event.phase
                s.phaseStart = now
            }
            let line = Self.line(label, event, elapsed: now.timeIntervalSince(start), inPhase: now.timeIntervalSince(s.phaseStart))
            if isTTY {
                guard newPhase || now.timeIntervalSince(s.lastDraw) > 0.1 || event.done == event.total else { return nil }
                s.lastDraw = now
                return line
            }
            guard newPhase || now.timeIntervalSince(s.lastLine) > 15 else { return nil }
            s.lastLine = now
            return line
        }
        guard let text else { return }
        if isTTY {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + ControlCharacters.visible(text)).utf8))
        } else {
            printError(text)
        }
    }

    /// `label: phase done/total unit | elapsed | ETA`.
    static func line(_ label: String, _ event: WorkProgress, elapsed: Double, inPhase: Double) -> String {
        var text = "\(label): \(event.phase)"
        if event.total > 0 { text += " \(event.done)/\(event.total) \(event.unit)" }
        text += String(format: " | %.0fs", elapsed)
        if event.total > 0, event.done > 0, event.done < event.total {
            text += String(format: " | ETA %.0fs", inPhase / Double(event.done) * Double(event.total - event.done))
        }
        return text
    }

    /// Clears the redrawn line (terminal only).
    func finish() {
        if isTTY { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }
}

/// Cancels `task` on SIGINT or SIGTERM (the first signal; a second one exits at once).
final class SignalCanceller {
    let sources: [any DispatchSourceSignal]

    init(cancel: @escaping @Sendable () -> Void) {
        var sources: [any DispatchSourceSignal] = []
        let count = SignalCount()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let n = count.increment()
                if n == 1 {
                    printError("\nstopping: cancelling calls in flight, stopping the engine (again to force)…")
                    cancel()
                } else {
                    exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func stop() {
        for source in sources { source.cancel() }
        for sig in [SIGINT, SIGTERM] { signal(sig, SIG_DFL) }
    }
}

/// How many stop signals arrived.
final class SignalCount: Sendable {
    private let value = Mutex(0)
    func increment() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
