import SDFCore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// How to start a local llama-server.
public struct LocalServerConfiguration: Sendable, Hashable {
    /// The llama-server binary.
    public var binary: String
    /// The GGUF model file.
    public var model: String
    /// Parallel slots (concurrent requests the server batches).
    public var parallel: Int
    /// Context tokens per slot; the server gets `parallel × contextPerSlot` in all.
    public var contextPerSlot: Int
    /// Folder for the server log and pidfile.
    public var runDirectory: String
    /// How long to wait for `/health` to answer 200, in seconds.
    public var startupTimeout: Double
    /// Extra command-line arguments for llama-server.
    public var extraArguments: [String]
    /// How many times a server that dies after start-up is restarted (default 5).
    public var maxRestarts: Int

    /// Creates a configuration.
    public init(
        binary: String, model: String, parallel: Int = 4, contextPerSlot: Int = 2048, runDirectory: String,
        startupTimeout: Double = 180, extraArguments: [String] = [], maxRestarts: Int = 5
    ) {
        self.binary = binary
        self.model = model
        self.parallel = parallel
        self.contextPerSlot = contextPerSlot
        self.runDirectory = runDirectory
        self.startupTimeout = startupTimeout
        self.extraArguments = extraArguments
        self.maxRestarts = maxRestarts
    }
}

/// A running local server, as the body of ``withLocalServer(_:logger:_:)`` sees it.
public struct LocalServerHandle: Sendable {
    /// `http://127.0.0.1:PORT/v1`.
    public var baseURL: String
    /// The port chosen.
    public var port: Int
    /// The server process id at start-up (see ``currentPid`` after a restart).
    public var pid: Int32
    /// The server's log file.
    public var logFile: String
    let state: ChildState

    /// The server process id now (it changes when a dead server is restarted).
    public var currentPid: Int32? { state.withLock { $0.pid } }
    /// How many times the server was restarted after dying.
    public var restarts: Int { state.withLock { $0.restarts } }
}

/// Starts llama-server on a free loopback port, waits until `/health` answers 200, runs `body`, and stops the
/// server (SIGTERM, then SIGKILL after 5 s) when `body` returns, throws, or the task is cancelled. A server that
/// dies while `body` runs is restarted on the same port (up to ``LocalServerConfiguration/maxRestarts`` times).
///
/// Orphans: the server is launched through `/bin/sh`, which starts a one-line watchdog and then `exec`s
/// llama-server; the watchdog sends SIGTERM to the server when this process disappears (even after SIGKILL,
/// which no cleanup code survives). A pidfile lets the next start stop a server left by a crashed run.
///
/// - Throws: ``LLMError`` of kind `engine` when the binary or model is missing, the server exits early, or
///   `/health` does not answer in time (the error names the log file); whatever `body` throws.
public func withLocalServer<T: Sendable>(
    _ configuration: LocalServerConfiguration, logger: Logger = Logger(label: "sdf.engine"),
    _ body: @Sendable (LocalServerHandle) async throws -> T
) async throws -> T {
    let fm = FileManager.default
    guard fm.isExecutableFile(atPath: configuration.binary) else {
        throw LLMError(.engine, "llama-server not found at \(configuration.binary); run: sdf engine install")
    }
    guard fm.fileExists(atPath: configuration.model) else {
        throw LLMError(.engine, "model file \(configuration.model) does not exist")
    }
    try fm.createDirectory(atPath: configuration.runDirectory, withIntermediateDirectories: true)
    LocalServerPidfiles.stopStale(in: configuration.runDirectory, logger: logger)
    let port = try FreePort.pick()
    let logFile = configuration.runDirectory + "/llama-server-\(port).log"
    let pidFile = configuration.runDirectory + "/llama-server-\(port).pid"
    let log = try FileDescriptor.open(
        FilePath(logFile), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite, .groupRead, .otherRead])
    defer { try? log.close() }
    let serverArguments =
        [
            "-m", configuration.model, "--host", "127.0.0.1", "--port", String(port),
            "--parallel", String(configuration.parallel), "-c", String(configuration.parallel * configuration.contextPerSlot),
        ] + configuration.extraArguments
    let watchdog = #"p=$1; shift; (while kill -0 "$p" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null) & exec "$@""#
    let arguments = ["-c", watchdog, "sh", String(getpid()), configuration.binary] + serverArguments
    let options: PlatformOptions = {
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        return options
    }()
    let state = ChildState()
    let baseURL = "http://127.0.0.1:\(port)/v1"
    logger.info("starting llama-server", metadata: ["port": "\(port)", "log": "\(logFile)"])

    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            var restarts = 0
            while true {
                _ = try? await Subprocess.run(
                    .path(FilePath("/bin/sh")), arguments: Arguments(arguments), platformOptions: options, input: .none,
                    output: .fileDescriptor(log, closeAfterSpawningProcess: false),
                    error: .fileDescriptor(log, closeAfterSpawningProcess: false)
                ) { execution in
                    let pid = execution.processIdentifier.value
                    state.withLock { $0.pid = pid }
                    try? Data("\(pid) \(getpid())\n".utf8).write(to: URL(fileURLWithPath: pidFile))
                    while !Task.isCancelled && kill(pid, 0) == 0 && !ProcessState.isZombie(pid) {
                        try? await Task.sleep(nanoseconds: 200_000_000)
                    }
                }
                // A server that dies after it was ready is restarted on the same port (calls in flight fail and
                // are retried by the client); one that dies during start-up is reported by the health wait.
                let ready = state.withLock { $0.ready }
                if Task.isCancelled || !ready || restarts >= configuration.maxRestarts { break }
                restarts += 1
                logger.warning("llama-server exited unexpectedly; restarting", metadata: ["restart": "\(restarts)", "log": "\(logFile)"])
                state.withLock { $0.restarts = restarts }
                try? await Task.sleep(nanoseconds: 300_000_000)
            }
            state.withLock { $0.exited = true }
            try? FileManager.default.removeItem(atPath: pidFile)
            return nil
        }
        do {
            try await waitForHealth(port: port, deadline: configuration.startupTimeout, logFile: logFile) {
                state.withLock { $0.exited }
            }
            let pid = state.withLock {
                $0.ready = true
                return $0.pid ?? 0
            }
            logger.info("llama-server ready", metadata: ["port": "\(port)", "pid": "\(pid)"])
            let result = try await body(
                LocalServerHandle(baseURL: baseURL, port: port, pid: pid, logFile: logFile, state: state))
            group.cancelAll()
            while try await group.next() != nil {}
            return result
        } catch {
            group.cancelAll()
            while (try? await group.next()) != nil {}
            throw error
        }
    }
}

/// The child's pid and whether it has exited, shared between the supervising tasks.
final class ChildState: Sendable {
    struct Value {
        var pid: Int32?
        var exited = false
        var ready = false
        var restarts = 0
    }
    private let value = Mutex(Value())
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { value.withLock { body(&$0) } }
}

/// Polls `GET /health` until it answers 200 (503 while the model loads), the server exits, or the deadline passes.
func waitForHealth(port: Int, deadline: Double, logFile: String, exited: @Sendable () -> Bool) async throws {
    let start = ContinuousClock.now
    var delay: UInt64 = 50_000_000
    while true {
        if exited() {
            throw LLMError(.engine, "llama-server exited during start-up; see \(logFile)")
        }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
        request.method = .GET
        if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)) {
            _ = try? await response.body.collect(upTo: 1 << 16)
            if response.status.code == 200 { return }
        }
        if ContinuousClock.now - start > .seconds(deadline) {
            throw LLMError(.engine, "llama-server did not become ready within \(Int(deadline)) s; see \(logFile)")
        }
        try await Task.sleep(nanoseconds: delay)
        delay = min(delay * 2, 1_000_000_000)
    }
}

/// Small helpers about processes, from `/proc`.
enum ProcessState {
    /// Whether `pid` is a zombie (exited, not yet reaped).
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let rest = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces)
        return rest.hasPrefix("Z") || rest.hasPrefix("X")
    }

    /// The command line of `pid`, arguments joined by spaces, or `nil`.
    static func commandLine(_ pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }
}

/// Pidfiles of servers started by SDF: `llama-server-PORT.pid` holding "SERVERPID OWNERPID".
enum LocalServerPidfiles {
    /// Stops servers whose owning SDF process is gone (left by a crash) and removes their pidfiles.
    static func stopStale(in directory: String, logger: Logger) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in files where name.hasPrefix("llama-server-") && name.hasSuffix(".pid") {
            let path = directory + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int32($0) }
            guard parts.count == 2 else { continue }
            let (server, owner) = (parts[0], parts[1])
            if kill(owner, 0) == 0 { continue }
            if kill(server, 0) == 0, ProcessState.commandLine(server)?.contains("llama-server") == true {
                logger.warning("stopping a llama-server left by an earlier run", metadata: ["pid": "\(server)"])
                kill(server, SIGTERM)
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

/// Finds a free TCP port on 127.0.0.1 by binding port 0 and reading back what the kernel chose.
public enum FreePort {
    /// A port that was free a moment ago.
    ///
    /// - Throws: ``LLMError`` of kind `engine` if no socket could be bound.
    public static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LLMError(.engine, "cannot open a socket to find a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw LLMError(.engine, "cannot bind a socket on 127.0.0.1 to find a free port") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw LLMError(.engine, "cannot read the port the kernel chose") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
