import ArgumentParser
import Foundation
import SDFCore

/// `sdf init DIR`: writes a ready-to-run experiment from SDF's built-in data.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a ready-to-run experiment (quickstart.yaml, experiment.yaml, personas, seed comments, strategies).")

    @Argument(help: "The folder to write into (created if needed).")
    var directory: String

    @Flag(help: "Overwrite files that already exist.")
    var force = false

    func run() throws {
        let files = Scaffold.files()
        let fm = FileManager.default
        let existing = files.map { directory + "/" + $0.path }.filter { fm.fileExists(atPath: $0) }
        if !existing.isEmpty && !force {
            printError("error: \(existing.count) file(s) already exist, e.g. \(existing[0]); use --force to overwrite")
            throw ExitCode(.badExperiment)
        }
        for file in files {
            let path = directory + "/" + file.path
            do {
                try fm.createDirectory(
                    atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                printError("error: cannot write \(path): \(error.localizedDescription)")
                throw ExitCode(.badExperiment)
            }
        }
        printError("wrote \(files.count) files to \(directory). Next: sdf run \(directory)/\(Scaffold.quickstartFile)")
    }
}
