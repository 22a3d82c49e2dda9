import Foundation
import Subprocess
import SystemPackage
import Testing

/// Headless Chromium (Debian's `chromium`) for tests that look at the pages as a browser renders them.
///
/// Tests using it are skipped when no Chromium is installed, unless `CI` is set: then they run and fail.
enum Browser {
    /// The browser binary: `$CHROMIUM`, else the first of the usual paths that exists.
    static let path: String? = {
        if let explicit = ProcessInfo.processInfo.environment["CHROMIUM"], FileManager.default.isExecutableFile(atPath: explicit) {
            return explicit
        }
        return ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    /// Whether the environment says this is CI (then a missing browser is a failure, not a skip).
    static var onCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// Whether browser tests run at all.
    static var enabled: Bool { path != nil || onCI }

    /// Where screenshots go: `$SDF_SHOTS`, else `/tmp/sdf-shots/<pid>` (one folder per test process, so two test
    /// runs on one machine never remove each other's files).
    static let shots = ProcessInfo.processInfo.environment["SDF_SHOTS"] ?? "/tmp/sdf-shots/\(ProcessInfo.processInfo.processIdentifier)"

    /// Runs the browser headless with `arguments` and returns what it wrote on stdout.
    static func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> String {
        let binary = try #require(path, "chromium is required when CI is set (install it with scripts/setup-system.sh)")
        let profile = try temporaryFolder("sdf-chromium")
        defer { try? FileManager.default.removeItem(at: profile) }
        let outPath = profile.appendingPathComponent("stdout.txt").path
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--hide-scrollbars", "--user-data-dir=\(profile.path)/profile",
        ]
        let fd = try FileDescriptor.open(FilePath(outPath), .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        defer { try? fd.close() }
        let status = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                let r = try await Subprocess.run(
                    .path(FilePath(binary)), arguments: Arguments(common + arguments), input: .none,
                    output: .fileDescriptor(fd, closeAfterSpawningProcess: false), error: .discarded)
                return r.terminationStatus.isSuccess
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw BrowserError(message: "chromium did not finish within \(timeout)")
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        if !status && output.isEmpty { throw BrowserError(message: "chromium failed: \(arguments.last ?? "")") }
        return output
    }

    /// The DOM of `url` after its scripts ran, serialized (`--dump-dom`); `virtualTime` lets timers run that long.
    static func dom(_ url: String, virtualTimeMilliseconds: Int? = nil) async throws -> String {
        var arguments = ["--window-size=1280,900"]
        if let virtualTimeMilliseconds { arguments.append("--virtual-time-budget=\(virtualTimeMilliseconds)") }
        return try await run(arguments + ["--dump-dom", url])
    }

    /// Saves a 1280×900 screenshot of `url` as `<shots>/<name>.png` and returns the path.
    @discardableResult
    static func screenshot(_ url: String, name: String, height: Int = 900) async throws -> String {
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let file = "\(shots)/\(name).png"
        try? FileManager.default.removeItem(atPath: file)
        _ = try await run(["--window-size=1280,\(height)", "--screenshot=\(file)", url])
        #expect(FileManager.default.fileExists(atPath: file), "no screenshot at \(file)")
        return file
    }
}

struct BrowserError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
