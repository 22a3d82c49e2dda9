import ArgumentParser
import Foundation
import SDFStore

/// `sdf merge OUT.sqlite IN.sqlite...`: combines the shard stores of one design into one store.
struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine stores of one design (the shards of a cluster run) into one store, as an unsharded run would have written it.",
        discussion: """
            Refuses stores of different designs and discussions whose copies differ; identical copies are taken once, \
            so merging again changes nothing. OUT is written to a temporary file and renamed: an error leaves it as it was.
            """)

    @Argument(help: "The store to write (replaced if it exists).")
    var output: String

    @Argument(help: "The stores to combine.")
    var inputs: [String]

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one input store after OUT") }
    }

    func run() async throws {
        do {
            let report = try await StoreMerge.merge(inputs: inputs, output: output)
            for t in report.tables {
                printError("\(t.table): read \(t.read), identical duplicates \(t.duplicates), written \(t.written)")
            }
            printError("merged \(inputs.count) store(s) of design \(report.designHash.prefix(12)): \(report.discussions) discussions")
            print(report.output)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
    }
}
