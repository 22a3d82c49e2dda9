import ArgumentParser
import Foundation
import SDFCore

extension ClusterRecipe.Scheduler: ExpressibleByArgument {}

/// `sdf init DIR`: writes a ready-to-run experiment from SDF's built-in data; `sdf init --cluster slurm|k8s DIR`
/// writes the recipes of a sharded cluster run instead.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a ready-to-run experiment (quickstart.yaml, experiment.yaml, personas, seed comments, strategies), or with --cluster the scripts of a sharded cluster run.")

    @Argument(help: "The folder to write into (created if needed).")
    var directory: String

    @Flag(help: "Overwrite files that already exist.")
    var force = false

    @Option(help: "Write a cluster recipe instead: slurm (array job + dependent merge job) or k8s (Indexed Job + merge Job).")
    var cluster: ClusterRecipe.Scheduler?

    @Option(help: "Shards of the cluster recipe (array size / completions).")
    var shards = 4

    @Option(help: "The experiment file the cluster recipe runs.")
    var experiment = Scaffold.experimentFile

    func validate() throws {
        if !(1...ShardSpec.maxCount).contains(shards) { throw ValidationError("--shards must be in 1...\(ShardSpec.maxCount), got \(shards)") }
    }

    func run() throws {
        let files = cluster.map { ClusterRecipe.files($0, shards: shards, experiment: experiment) } ?? Scaffold.files()
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
        if let cluster {
            let submit = directory + "/" + cluster.rawValue + "/submit.sh"
            _ = try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: submit)
            printError("wrote \(files.count) files to \(directory)/\(cluster.rawValue). Next: edit them, then \(submit)")
        } else {
            printError("wrote \(files.count) files to \(directory). Next: sdf run \(directory)/\(Scaffold.quickstartFile)")
        }
    }
}
