import ArgumentParser
import Foundation
import SDFAnalysis
import SDFCore
import SDFStore

/// `sdf report STORE [--out DIR] [--human PATH]`: writes the self-contained HTML report of a store.
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report (design, data quality, scores, tests, charts) of a store.",
        discussion: """
            Writes DIR/report.html with --out DIR, otherwise <store name>-report.html beside the store. The file \
            has inline CSS and SVG charts and no scripts, so it opens offline and can be archived or mailed as is.
            """)

    @Argument(help: "The store (SQLite file).")
    var store: String

    @Option(help: "Output folder (created if needed); the report is written as report.html inside it.")
    var out: String?

    @Option(help: "Bootstrap resamples per confidence interval.")
    var resamples: Int = 10_000

    @Flag(help: "Also count moderator comments as observations in the condition comparisons.")
    var includeModerator = false

    @Flag(help: "With --out: replace another store's report in that folder.")
    var force = false

    @Option(help: "Also write every statistic of the report, at full precision, as JSON to FILE (shape: ReportJSON).")
    var json: String?

    @Option(help: "Reference condition of the regression models (default: the one unmoderated condition, else the first).")
    var reference: String?

    @Option(help: "What the bootstrap intervals resample: discussion (default) or comment.")
    var bootstrapUnit: BootstrapUnit = .discussion

    @Option(help: "The report's heading and page title (default: the experiment's name; \"Imported discussions\" for an imported store).")
    var title: String?

    @Option(help: "Add a fidelity section comparing the store with this human corpus (ConvoKit directory, CSV file or SDF store; see sdf compare).")
    var human: String?

    @OptionGroup var corpus: HumanCorpusOptions

    func validate() throws {
        if resamples < 1 { throw ValidationError("--resamples must be at least 1") }
    }

    func run() async throws {
        do {
            let opened = try Store.openExisting(path: store)
            if let reference {
                let discussions = try await opened.discussions()
                let names = Set(discussions.map(\.conditionLabel)).union(discussions.map(\.strategy))
                    .union(discussions.map(\.conditionWithoutModel))
                guard names.contains(reference) else {
                    printError(
                        "error: --reference \(reference): no condition or strategy of that name in \(store) (there are: "
                            + names.sorted().joined(separator: ", ") + ")")
                    throw ExitCode(.badFlags)
                }
            }
            var humanCorpus: HumanCorpus?
            if let human { humanCorpus = try await HumanCorpus.read(path: human, columns: corpus.columns) }
            var options = AnalysisOptions()
            options.bootstrapResamples = resamples
            options.includeModeratorComments = includeModerator
            options.reference = reference
            options.bootstrapUnit = bootstrapUnit
            options.title = title
            let path: String
            let display = WorkProgressDisplay("report")
            defer { display.finish() }
            if let out {
                // The folder is claimed for this store: another store's report there is not replaced silently.
                path = try await ReportBuilder.write(
                    store: opened, intoFolder: out, options: options, force: force, jsonPath: json, progress: display.handler,
                    human: humanCorpus)
            } else {
                path = try await ReportBuilder.write(
                    store: opened, to: ReportBuilder.defaultPath(storePath: store), options: options, jsonPath: json,
                    progress: display.handler, human: humanCorpus)
            }
            display.finish()
            printError("wrote the report of \(store) to \(path)" + (json.map { " and its statistics to \($0)" } ?? ""))
            print(path)
        } catch let error as HumanCorpusError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
    }
}

extension BootstrapUnit: ExpressibleByArgument {}
