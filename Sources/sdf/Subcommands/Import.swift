import ArgumentParser
import Foundation
import SDFCore
import SDFStore

/// `sdf import PATH... --store FILE [--condition NAME | --condition-pattern PATTERN] [--troll-instructions FILE]...`:
/// imports legacy SDF/SynDisco JSON files and sdf-json exports, all or nothing.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import discussion and annotation JSON files of the earlier SDF/SynDisco tools, or sdf-json exports, into a store.",
        discussion: """
            A discussion's condition is strategy × model: the strategy is its parent folder's name (earlier tools encoded \
            the moderation strategy only there, e.g. …/main/<strategy>/<file>.json) unless --condition or \
            --condition-pattern is given; the model is the generator model its log entries name. Roles, personas, seed \
            comments with their authors and timestamps are read from the files. Annotation files are matched to their \
            discussion by conv_id and to comments by position; each annotator is the persona in its prompt, not its model. \
            Every file is listed with what became of it, then the counts read and stored. The import is one transaction: \
            when a file cannot be imported or the counts disagree, nothing is stored and the exit code is 1.
            """)

    @Argument(help: "JSON files or folders (searched recursively).")
    var paths: [String]

    @Option(help: "The store to import into (created if needed).")
    var store: String

    @Option(help: "Strategy of every imported discussion (default: each file's parent folder name).")
    var condition: String?

    @Option(
        help: ArgumentHelp(
            "Read factors from each parent folder's name, e.g. '{model}_{strategy}' maps llama70b_vanilla.txt to model llama70b, strategy vanilla.",
            valueName: "pattern"))
    var conditionPattern: String?

    @Option(help: ArgumentHelp("A troll instruction file: users whose prompt contains its text are trolls (repeatable).", valueName: "file"))
    var trollInstructions: [String] = []

    func validate() throws {
        if condition != nil, conditionPattern != nil {
            throw ValidationError("use either --condition or --condition-pattern, not both")
        }
    }

    func run() async throws {
        let pattern: ConditionPattern?
        do {
            pattern = try conditionPattern.map { try ConditionPattern($0) }
        } catch {
            printError("error: \(error)")
            throw ExitCode(.badFlags)
        }
        var trollTexts: [String] = []
        for file in trollInstructions {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8),
                !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            else {
                printError("error: --troll-instructions \(file): cannot read it, or it is empty (expected the troll instruction text)")
                throw ExitCode(.badFlags)
            }
            trollTexts.append(text)
        }
        let opened: Store
        do {
            opened = try Store.open(path: store)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
        let start = Date()
        var importer = LegacyImporter(store: opened, condition: condition, conditionPattern: pattern, trollInstructions: trollTexts)
        let display = WorkProgressDisplay("import")
        importer.progress = display.handler
        let report: ImportReport
        do {
            report = try await importer.run(paths: paths)
            display.finish()
        } catch let error as ImportError {
            display.finish()
            Self.printFiles(error.report)
            for problem in error.report.problems { printError("error: \(problem.file): \(problem.message)") }
            printError(error.report.summary)
            printError("error: \(error.description) (\(store) is unchanged)")
            throw ExitCode(for: error)
        } catch let error as StoreError {
            display.finish()
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
        Self.printFiles(report)
        printError(report.summary)
        printError(String(format: "imported in %.1f s; read and stored agree", Date().timeIntervalSince(start)))
        print(store)
    }

    static func printFiles(_ report: ImportReport) {
        for file in report.files { printError("\(file.outcome.rawValue): \(file.path): \(file.detail)") }
    }
}
