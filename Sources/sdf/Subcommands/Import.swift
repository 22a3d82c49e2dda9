import ArgumentParser
import Foundation
import SDFStore

/// `sdf import PATH... --store FILE [--condition NAME]`: imports legacy SDF/SynDisco JSON files.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import discussion and annotation JSON files of the earlier SDF/SynDisco tools into a store.",
        discussion: """
            Each discussion's condition is its parent folder's name (earlier tools encoded the moderation strategy only \
            there, e.g. …/main/<strategy>/<file>.json) unless --condition is given. Annotation files are matched to their \
            discussion by conv_id and to comments by position. Problems are reported per file; the rest still imports.
            """)

    @Argument(help: "JSON files or folders (searched recursively).")
    var paths: [String]

    @Option(help: "The store to import into (created if needed).")
    var store: String

    @Option(help: "Condition label for every imported discussion (default: each file's parent folder name).")
    var condition: String?

    func run() async throws {
        let opened: Store
        do {
            opened = try Store.open(path: store)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(4)
        }
        let start = Date()
        let report = try await LegacyImporter(store: opened, condition: condition).run(paths: paths)
        for problem in report.problems { printError("\(problem.file): \(problem.message)") }
        printError(
            String(
                format: "imported %d discussions (%d comments, %d silences as abstentions) and %d annotation files (%d annotations) in %.1f s; %d problem(s)",
                report.discussions, report.comments, report.abstentions, report.annotationFiles, report.annotations,
                Date().timeIntervalSince(start), report.problems.count))
        print(store)
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}
