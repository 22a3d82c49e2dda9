import SDFCore
import Foundation
import SDFLLM
import Testing

/// A temporary folder for one test, removed at the end.
private func withTemporaryFolder<T>(_ body: (String) async throws -> T) async rethrows -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdf-installer-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

/// Writes an executable shell script.
private func script(_ path: String, _ body: String) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(("#!/bin/sh\n" + body + "\n").utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
}

/// A probe answer as ``PythonInterpreter/probeScript`` prints it.
private func probeOutput(_ executable: String, _ version: String = "3.11", venv: Bool = true, ensurepip: Bool = true) -> String {
    "\(executable)\n\(version)\nvenv=\(venv ? 1 : 0)\nensurepip=\(ensurepip ? 1 : 0)\n"
}

@Suite("Python interpreter discovery")
struct PythonDiscoveryTests {
    @Test("candidates follow PATH order, python3 before python, without duplicates or relative entries")
    func candidateOrder() {
        let present: Set<String> = ["/a/python3", "/b/python3", "/b/python", "/c/python3", "./python3", "/rel/python3"]
        let found = PythonDiscovery.candidates(
            environment: ["PATH": "/a:.:/b:/a:/c:rel"], isExecutable: { present.contains($0) })
        #expect(found == ["/a/python3", "/b/python3", "/c/python3", "/b/python"])
    }

    @Test("a folder that merely contains a python3 is not searched unless it is on PATH")
    func currentFolderIgnored() {
        let found = PythonDiscovery.candidates(environment: ["PATH": "/usr/bin"], isExecutable: { $0 == "/work/python3" })
        #expect(found.isEmpty)
    }

    @Test("SDF_PYTHON alone is tried: a path as given, a name looked up on PATH")
    func explicitInterpreter() {
        let present: Set<String> = ["/opt/py/bin/python3.12", "/usr/bin/python3"]
        let env = ["PATH": "/usr/bin:/opt/py/bin"]
        #expect(
            PythonDiscovery.candidates(environment: env.merging(["SDF_PYTHON": "/x/y/python"]) { $1 }, isExecutable: { present.contains($0) })
                == ["/x/y/python"])
        #expect(
            PythonDiscovery.candidates(environment: env.merging(["SDF_PYTHON": "python3.12"]) { $1 }, isExecutable: { present.contains($0) })
                == ["/opt/py/bin/python3.12"])
        #expect(
            PythonDiscovery.candidates(environment: env.merging(["SDF_PYTHON": "python9"]) { $1 }, isExecutable: { present.contains($0) })
                .isEmpty)
    }

    @Test("probe output is parsed; noise before it is ignored; a wrong shape is rejected")
    func parseProbe() throws {
        let p = try #require(
            PythonInterpreter.parseProbe("pyenv: warming up\n" + probeOutput("/root/.pyenv/versions/3.11.7/bin/python3"), candidate: "/s/python3"))
        #expect(p.executable == "/root/.pyenv/versions/3.11.7/bin/python3")
        #expect(p.candidate == "/s/python3")
        #expect(p.major == 3 && p.minor == 11 && p.hasVenv && p.hasEnsurepip && p.problem == nil)
        #expect(PythonInterpreter.parseProbe("Python 2.7.18\n", candidate: "/s/python") == nil)
        #expect(PythonInterpreter.parseProbe("python3\n3.11\nvenv=1\nensurepip=1\n", candidate: "x") == nil)  // not absolute
    }

    @Test("an interpreter without ensurepip or too old names its problem and the Debian package")
    func problems() throws {
        let noPip = try #require(PythonInterpreter.parseProbe(probeOutput("/usr/bin/python3.11", ensurepip: false), candidate: "/usr/bin/python3"))
        #expect(noPip.problem?.contains("python3-venv") == true)
        #expect(noPip.problem?.contains("ensurepip") == true)
        let old = try #require(PythonInterpreter.parseProbe(probeOutput("/usr/bin/python3.6", "3.6"), candidate: "/usr/bin/python3"))
        #expect(old.problem?.contains("3.6") == true)
    }

    @Test("the first usable interpreter wins; when none works the error lists every one tried")
    func choose() throws {
        let broken = PythonInterpreter.parseProbe(probeOutput("/usr/bin/python3.11", ensurepip: false), candidate: "/usr/bin/python3")
        let good = PythonInterpreter.parseProbe(probeOutput("/opt/py/bin/python3.12", "3.12"), candidate: "/opt/py/bin/python3")
        let chosen = try PythonDiscovery.choose(
            [("/shim/python3", nil), ("/usr/bin/python3", broken), ("/opt/py/bin/python3", good)], environment: [:])
        #expect(chosen.executable == "/opt/py/bin/python3.12")

        let error = #expect(throws: LLMError.self) {
            try PythonDiscovery.choose([("/shim/python3", nil), ("/usr/bin/python3", broken)], environment: ["PATH": "/shim:/usr/bin"])
        }
        #expect(error?.kind == .engine)
        #expect(error?.message.contains("/shim/python3: did not run") == true)
        #expect(error?.message.contains("/usr/bin/python3 (/usr/bin/python3.11, 3.11)") == true)
        #expect(error?.message.contains("apt-get install python3 python3-venv") == true)

        let none = #expect(throws: LLMError.self) { try PythonDiscovery.choose([], environment: ["PATH": "/nowhere"]) }
        #expect(none?.message.contains("no python3 or python on PATH (/nowhere)") == true)
        let explicit = #expect(throws: LLMError.self) { try PythonDiscovery.choose([], environment: ["SDF_PYTHON": "/x/python"]) }
        #expect(explicit?.message.contains("SDF_PYTHON=/x/python") == true)
    }

    @Test("locate runs the candidates: a shim that lacks ensurepip is passed over for the next python3 on PATH")
    func locateSkipsUnusable() async throws {
        try await withTemporaryFolder { dir in
            try script(dir + "/shims/python3", "printf '\(probeOutput("/fake/python3.11", ensurepip: false).replacingOccurrences(of: "\n", with: "\\n"))'")
            try script(dir + "/good/python3", "printf '\(probeOutput(dir + "/real/python3.12", "3.12").replacingOccurrences(of: "\n", with: "\\n"))'")
            let chosen = try await PythonDiscovery.locate(environment: ["PATH": "\(dir)/shims:\(dir)/good"])
            #expect(chosen.candidate == dir + "/good/python3")
            #expect(chosen.executable == dir + "/real/python3.12")
        }
    }

    @Test("locate resolves a real python3 on this machine to an absolute interpreter")
    func locateReal() async throws {
        let chosen = try await PythonDiscovery.locate()
        #expect(chosen.executable.hasPrefix("/"))
        #expect(FileManager.default.isExecutableFile(atPath: chosen.executable))
        #expect(chosen.problem == nil)
    }
}

@Suite("Engine installer plan and cache checks")
struct EngineInstallerPlanTests {
    typealias S = EngineCacheState

    @Test("an empty cache: venv, engine, model, in that order")
    func fresh() {
        #expect(EngineInstaller.plan(for: S(venv: .missing, server: .missing, model: .missing)) == [.createVenv, .installEngine, .fetchModel])
    }

    @Test("a complete cache needs nothing")
    func complete() {
        #expect(EngineInstaller.plan(for: S(venv: .working, server: .working, model: .working)).isEmpty)
    }

    @Test("a half-made venv is removed and made again before anything uses it")
    func brokenVenv() {
        #expect(
            EngineInstaller.plan(for: S(venv: .broken, server: .missing, model: .working)) == [.removeVenv, .createVenv, .installEngine])
        #expect(
            EngineInstaller.plan(for: S(venv: .broken, server: .broken, model: .missing))
                == [.removeVenv, .createVenv, .installEngine, .fetchModel])
        // The engine lives inside the venv: a broken venv is remade with the engine, even if the binary still ran.
        #expect(EngineInstaller.plan(for: S(venv: .broken, server: .working, model: .working)) == [.removeVenv, .createVenv, .installEngine])
        #expect(
            EngineInstaller.plan(for: S(venv: .broken, server: .working, model: .working, externalServer: true)) == [.removeVenv, .createVenv])
    }

    @Test("a recorded binary that is gone or does not run is force-reinstalled into a working venv")
    func brokenServer() {
        #expect(EngineInstaller.plan(for: S(venv: .working, server: .broken, model: .working)) == [.reinstallEngine])
        #expect(EngineInstaller.plan(for: S(venv: .working, server: .missing, model: .working)) == [.installEngine])
    }

    @Test("a model that fails its check is removed and fetched again")
    func brokenModel() {
        #expect(EngineInstaller.plan(for: S(venv: .working, server: .working, model: .broken)) == [.removeModel, .fetchModel])
        #expect(EngineInstaller.plan(for: S(venv: .missing, server: .working, model: .broken)) == [.createVenv, .removeModel, .fetchModel])
    }

    @Test("with SDF_LLAMA_SERVER no engine is installed, but a missing model is still fetched")
    func externalServer() {
        #expect(EngineInstaller.plan(for: S(venv: .missing, server: .working, model: .working, externalServer: true)).isEmpty)
        #expect(
            EngineInstaller.plan(for: S(venv: .missing, server: .working, model: .missing, externalServer: true)) == [.createVenv, .fetchModel])
    }

    @Test("every plan creates the venv before a step that uses it, and never fetches a model it keeps")
    func planInvariants() {
        let parts: [S.Part] = [.missing, .broken, .working]
        for venv in parts {
            for server in parts {
                for model in parts {
                    for external in [false, true] {
                        let state = S(venv: venv, server: server, model: model, externalServer: external)
                        let plan = EngineInstaller.plan(for: state)
                        let usesVenv = plan.contains { [.installEngine, .reinstallEngine, .fetchModel].contains($0) }
                        if usesVenv && venv != .working {
                            #expect(plan.firstIndex(of: .createVenv) == 0 || plan.firstIndex(of: .createVenv) == 1, "\(state)")
                        }
                        #expect(plan.contains(.fetchModel) == (model != .working), "\(state)")
                        #expect(plan.contains(.removeModel) == (model == .broken), "\(state)")
                        #expect(
                            (plan.contains(.installEngine) || plan.contains(.reinstallEngine)) == (!external && (server != .working || venv == .broken)),
                            "\(state)")
                        #expect(plan.contains(.removeVenv) == (venv == .broken), "\(state)")
                        #expect(Set(plan).count == plan.count, "\(state)")
                    }
                }
            }
        }
    }

    @Test("observe: a venv without a working python, a recorded binary that fails, a truncated model are broken")
    func observeBroken() async throws {
        try await withTemporaryFolder { dir in
            let paths = EnginePaths(root: dir + "/home")
            try script(paths.venvPython, "exit 1")
            try FileManager.default.createDirectory(atPath: paths.models, withIntermediateDirectories: true)
            try script(dir + "/bin/llama-server", "exit 1")
            try Data((dir + "/bin/llama-server\n").utf8).write(to: URL(fileURLWithPath: paths.binaryPathFile))
            try Data("GGUF truncated".utf8).write(to: URL(fileURLWithPath: paths.defaultModel))
            let state = try await EngineInstaller(paths: paths, environment: [:]).observe()
            #expect(state == S(venv: .broken, server: .broken, model: .broken))
            #expect(EngineInstaller(paths: paths, environment: [:]).status().defaultModel == nil)
        }
    }

    @Test("observe: a recorded path to a deleted binary is broken; working parts are working; nothing is missing-as-working")
    func observeMixed() async throws {
        try await withTemporaryFolder { dir in
            let paths = EnginePaths(root: dir + "/home")
            try script(paths.venvPython, "[ \"$1\" = -m ] && [ \"$2\" = pip ] && exit 0; exit 1")
            try FileManager.default.createDirectory(atPath: paths.models, withIntermediateDirectories: true)
            try Data((dir + "/gone/llama-server\n").utf8).write(to: URL(fileURLWithPath: paths.binaryPathFile))
            #expect(try await EngineInstaller(paths: paths, environment: [:]).observe() == S(venv: .working, server: .broken, model: .missing))

            try script(dir + "/bin/llama-server", "[ \"$1\" = --version ] && exit 0; exit 1")
            try Data((dir + "/bin/llama-server\n").utf8).write(to: URL(fileURLWithPath: paths.binaryPathFile))
            #expect(try await EngineInstaller(paths: paths, environment: [:]).observe() == S(venv: .working, server: .working, model: .missing))
            #expect(EngineInstaller.plan(for: try await EngineInstaller(paths: paths, environment: [:]).observe()) == [.fetchModel])
        }
    }

    @Test("observe: SDF_LLAMA_SERVER that is not an executable is an error naming it")
    func observeExternal() async throws {
        try await withTemporaryFolder { dir in
            let installer = EngineInstaller(paths: EnginePaths(root: dir), environment: ["SDF_LLAMA_SERVER": dir + "/nope"])
            let error = await #expect(throws: LLMError.self) { try await installer.observe() }
            #expect(error?.message.contains("SDF_LLAMA_SERVER=\(dir)/nope") == true)
        }
    }

    @Test("a venv made without pip is detected at once, removed, and the error says what to install")
    func venvWithoutPip() async throws {
        try await withTemporaryFolder { dir in
            // A Python whose probe is fine but whose `-m venv` leaves a venv with no interpreter in it.
            let probe = probeOutput(dir + "/py/python3", "3.11").replacingOccurrences(of: "\n", with: "\\n")
            try script(
                dir + "/py/python3",
                """
                if [ "$1" = -c ]; then printf '\(probe)'; exit 0; fi
                if [ "$1" = -m ] && [ "$2" = venv ]; then mkdir -p "$3/bin"; exit 0; fi
                exit 1
                """)
            let paths = EnginePaths(root: dir + "/home")
            let installer = EngineInstaller(paths: paths, environment: ["PATH": dir + "/py"])
            let steps = SendableBox<[String]>([])
            let error = await #expect(throws: LLMError.self) {
                try await installer.install { event in
                    if case .step(let text) = event { steps.update { $0.append(text) } }
                }
            }
            #expect(error?.message.contains("without a working pip") == true)
            #expect(error?.message.contains("python3-venv") == true)
            #expect(!FileManager.default.fileExists(atPath: paths.venv))
            #expect(steps.get().count == 1)
            #expect(steps.get().first?.contains("with \(dir)/py/python3") == true)
        }
    }
}

@Suite("Install log progress lines")
struct InstallLogTests {
    @Test("the last non-empty line, without colour codes or carriage-return redraws")
    func lastLine() {
        #expect(InstallLog.lastLine(in: "a\nb\n\n") == "b")
        #expect(InstallLog.lastLine(in: "[ 10%] Building\r[ 11%] \u{1B}[32mBuilding CXX object ggml.c.o\u{1B}[0m\n") == "[ 11%] Building CXX object ggml.c.o")
        #expect(InstallLog.lastLine(in: "") == "")
        #expect(InstallLog.lastLine(in: String(repeating: "x", count: 500)).count == 200)
        #expect(InstallLog.lastLine(in: "bell\u{07} here") == "bell here")
    }

    @Test("reads only the end of a large log file")
    func lastLineOfFile() async throws {
        try await withTemporaryFolder { dir in
            let path = dir + "/install.log"
            let body = (0..<5000).map { "line \($0)" }.joined(separator: "\n") + "\n"
            try Data(body.utf8).write(to: URL(fileURLWithPath: path))
            #expect(InstallLog.lastLine(of: path) == "line 4999")
            #expect(InstallLog.lastLine(of: dir + "/missing.log") == "")
        }
    }
}
