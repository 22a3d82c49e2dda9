import ArgumentParser
import Foundation
import SDFAnalysis
import SDFCore
import SDFStore

/// The human-corpus flags shared by `sdf compare` and `sdf report`.
struct HumanCorpusOptions: ParsableArguments {
    @Option(help: "CSV only: the column holding the comment text.")
    var textColumn: String = "text"

    @Option(help: "CSV only: the column holding the conversation (thread) id; without it there are no thread lengths.")
    var conversationColumn: String?

    @Option(help: "CSV only: the column holding the id of the record replied to (empty for an opening post); without it there are no reply depths.")
    var replyToColumn: String?

    @Option(help: "CSV only, with --reply-to-column: the column holding each record's id.")
    var idColumn: String = "id"

    var columns: HumanCorpus.Columns {
        HumanCorpus.Columns(text: textColumn, conversation: conversationColumn, replyTo: replyToColumn, id: idColumn)
    }
}

/// `sdf compare STORE --human PATH`: how close each condition's comments are to a corpus of human discussions.
struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare each condition of a store with a corpus of human discussions (length, diversity, threads, depth, scores).",
        discussion: """
            PATH is a ConvoKit corpus directory (its utterances.jsonl), a CSV file with a header row and a text \
            column, or an SDF store of human comments (e.g. made with sdf import and annotated). Prints one table \
            per measure: each condition's n, mean and median next to the human corpus's, and the Jensen–Shannon \
            distance (base 2, fixed bins), the Wasserstein-1 distance and the two-sample Kolmogorov–Smirnov D and p.
            """)

    @Argument(help: "The store (SQLite file).")
    var store: String

    @Option(help: "The human corpus: a ConvoKit corpus directory, a CSV file or an SDF store.")
    var human: String

    @OptionGroup var corpus: HumanCorpusOptions

    @Option(help: "Comments per lexical-diversity sample (both sides are measured on samples of this size).")
    var diversitySampleSize: Int = 10

    @Option(help: "Also write the full HTML report of the store, with its fidelity section, to FILE.")
    var out: String?

    @Option(help: "Also write the comparison at full precision as JSON to FILE.")
    var json: String?

    func validate() throws {
        if diversitySampleSize < 2 { throw ValidationError("--diversity-sample-size must be at least 2") }
    }

    func run() async throws {
        do {
            let opened = try Store.openExisting(path: store)
            let corpus = try await HumanCorpus.read(path: human, columns: self.corpus.columns)
            let options = FidelityOptions(diversitySampleSize: diversitySampleSize)
            let comparison = try await FidelityComparison.build(store: opened, human: corpus, options: options)
            if let json { try StoreError.write(Data(try comparison.json().utf8), to: json) }
            if let out {
                var analysis = try await ExperimentAnalysis.build(store: opened)
                analysis.fidelity = comparison
                try StoreError.write(Data(ReportBuilder.html(analysis).utf8), to: out)
            }
            print(comparison.text, terminator: "")
        } catch let error as HumanCorpusError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
    }
}
