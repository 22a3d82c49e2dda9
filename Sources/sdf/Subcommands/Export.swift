import ArgumentParser
import Foundation
import SDFCore
import SDFStore

/// `sdf export STORE --format sdf-json --out DIR`.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a store's discussions.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case sdfJSON = "sdf-json"
        case csv
        case jsonl
        case convokit
    }

    @Argument(help: "The store (SQLite file).")
    var store: String

    @Option(
        help:
            "sdf-json (one JSON per discussion, original SDF layout), csv or jsonl (tidy tables: discussions, participants, comments, abstentions, failed_calls, annotations, moderator_decisions), or convokit (a ConvoKit corpus directory)."
    )
    var format: Format = .sdfJSON

    @Option(help: "Output folder (created if needed).")
    var out: String

    @Flag(help: "Replace another store's export in the output folder (normally refused).")
    var force = false

    func run() async throws {
        let display = WorkProgressDisplay("export \(format.rawValue)")
        do {
            let opened = try Store.openExisting(path: store)
            switch format {
            case .sdfJSON:
                let files = try await SDFJSONExport.write(store: opened, to: out, force: force, progress: display.handler)
                display.finish()
                printError("wrote \(files.count) discussion files under \(out)")
            case .csv, .jsonl:
                let files = try await TidyExport.write(
                    store: opened, format: format == .csv ? .csv : .jsonl, to: out, force: force, progress: display.handler)
                display.finish()
                printError("wrote \(files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")) to \(out)")
            case .convokit:
                try await ConvoKitExport.write(store: opened, to: out, force: force, progress: display.handler)
                display.finish()
                printError("wrote a ConvoKit corpus to \(out) (load it with convokit.Corpus(filename=\"\(out)\"))")
            }
        } catch let error as StoreError {
            display.finish()
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        } catch {
            display.finish()
            printError("error: cannot write the export to \(out): \(error.localizedDescription)")
            throw ExitCode(.storeProblem)
        }
    }
}
