import ArgumentParser
import Foundation
import SDFStore

/// `sdf export STORE --format sdf-json --out DIR`.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a store's discussions.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case sdfJSON = "sdf-json"
    }

    @Argument(help: "The store (SQLite file).")
    var store: String

    @Option(help: "Output format: sdf-json (one JSON per discussion in the original SDF layout).")
    var format: Format = .sdfJSON

    @Option(help: "Output folder (created if needed).")
    var out: String

    func run() async throws {
        do {
            let opened = try Store.openExisting(path: store)
            let files = try await SDFJSONExport.write(store: opened, to: out)
            printError("wrote \(files.count) discussion files under \(out)")
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(4)
        }
    }
}
