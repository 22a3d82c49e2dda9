import SDFCore
import Foundation
import Logging
import SDFLLM
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the local engine tests run: when the engine is installed, and always in CI (where a missing
/// engine must fail, not skip).
let engineAvailable: Bool = {
    let paths = EnginePaths.fromEnvironment()
    if ProcessInfo.processInfo.environment["CI"] != nil { return true }
    return paths.serverBinary() != nil && FileManager.default.fileExists(atPath: paths.defaultModel)
}()

@Suite("Local llama-server supervisor (real engine)", .enabled(if: engineAvailable), .serialized)
struct LocalServerTests {
    let paths = EnginePaths.fromEnvironment()

    func config(_ runDirectory: String) throws -> LocalServerConfiguration {
        let binary = try #require(paths.serverBinary(), "llama-server is not installed: run sdf engine install")
        return LocalServerConfiguration(binary: binary, model: paths.defaultModel, parallel: 2, contextPerSlot: 1024, runDirectory: runDirectory)
    }

    func tempDir() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-server-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func startsAnswersAndStopsWithoutOrphans() async throws {
        let dir = tempDir()
        let (pid, text) = try await withLocalServer(try config(dir)) { server in
            #expect(server.baseURL.hasPrefix("http://127.0.0.1:"))
            #expect(kill(server.pid, 0) == 0)
            #expect(ProcessStateProbe.commandLine(server.pid)?.contains("llama-server") == true)
            let answer = try await HTTPClientScope.complete(baseURL: server.baseURL, prompt: "Say hello.")
            return (server.pid, answer)
        }
        #expect(!text.isEmpty)
        try await waitUntil(seconds: 10) { kill(pid, 0) != 0 }
        #expect(kill(pid, 0) != 0, "llama-server \(pid) still runs after withLocalServer returned")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".pid") }
        #expect(leftovers.isEmpty)
    }

    @Test func restartsAServerThatDiesMidRun() async throws {
        let dir = tempDir()
        let (first, second, restarts, answer) = try await withLocalServer(try config(dir)) { server in
            kill(server.pid, SIGKILL)
            try await waitUntil(seconds: 20) { (server.currentPid ?? server.pid) != server.pid && server.restarts == 1 }
            // The client's retries ride out the restart (patiently: the model reloads slowly on a loaded machine).
            let answer = try await HTTPClientScope.complete(
                baseURL: server.baseURL, prompt: "Say hello.", retry: RetryPolicy(maxAttempts: 30, baseDelay: 1, maxDelay: 2))
            return (server.pid, server.currentPid, server.restarts, answer)
        }
        #expect(restarts == 1)
        #expect(second != nil && second != first)
        #expect(!answer.isEmpty)
        if let second { try await waitUntil(seconds: 10) { kill(second, 0) != 0 } }
        #expect(second.map { kill($0, 0) != 0 } ?? true)
    }

    @Test func stopsWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        let dir = tempDir()
        let pidBox = PidBox()
        await #expect(throws: Boom.self) {
            try await withLocalServer(try config(dir)) { server in
                pidBox.set(server.pid)
                throw Boom()
            }
        }
        let pid = try #require(pidBox.get())
        try await waitUntil(seconds: 10) { kill(pid, 0) != 0 }
        #expect(kill(pid, 0) != 0)
    }

    @Test func aMissingModelIsAClearEngineError() async throws {
        var c = try config(tempDir())
        c.model = "/nonexistent/model.gguf"
        await #expect {
            try await withLocalServer(c) { _ in 0 }
        } throws: { error in
            (error as? LLMError)?.kind == .engine && "\(error)".contains("/nonexistent/model.gguf")
        }
    }

    @Test func aServerThatCannotLoadItsModelFailsFastWithTheLogPath() async throws {
        let dir = tempDir()
        let bogus = dir + "/bogus.gguf"
        try Data("not a gguf".utf8).write(to: URL(fileURLWithPath: bogus))
        var c = try config(dir)
        c.model = bogus
        c.startupTimeout = 60
        let start = ContinuousClock.now
        await #expect {
            try await withLocalServer(c) { _ in 0 }
        } throws: { error in
            (error as? LLMError)?.kind == .engine && "\(error)".contains(".log")
        }
        #expect(ContinuousClock.now - start < .seconds(30))
    }
}

final class PidBox: Sendable {
    private let value = SendableBox<Int32?>(nil)
    func set(_ pid: Int32) { value.set(pid) }
    func get() -> Int32? { value.get() }
}

/// Polls `condition` every 100 ms for up to `seconds`.
func waitUntil(seconds: Double, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() && ContinuousClock.now < deadline {
        try await Task.sleep(nanoseconds: 100_000_000)
    }
}

enum ProcessStateProbe {
    static func commandLine(_ pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }
}
