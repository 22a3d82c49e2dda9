import ArgumentParser
import Foundation
import SDFAnalysis
import SDFCore
import SDFStore

/// `sdf power STORE [--effect D] [--power 0.8] [--alpha 0.05] [--json]`: discussions per condition needed,
/// from a pilot store (``PowerAnalysis``).
struct Power: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Discussions per condition needed to detect each pair's difference, from a pilot store.",
        discussion: """
            Per rubric dimension: the ICC (REML random-intercept model), comments per discussion m and the design \
            effect 1 + (m - 1) * ICC; per pair of conditions: the discussions per condition a two-sided two-sample \
            t-test needs to detect the pilot's standardized difference (or --effect) at --alpha with --power, and \
            the power the pilot had. Exits 4 when the store has fewer than two conditions or no ok rating.
            """)

    @Argument(help: "The pilot store (SQLite file).")
    var store: String

    @Option(help: "Plan for this standardized difference (Cohen's d > 0) instead of each pair's pilot effect.")
    var effect: Double?

    @Option(help: "Target power, in (alpha, 1).")
    var power: Double = 0.8

    @Option(help: "Two-sided significance level, in (0, 1).")
    var alpha: Double = 0.05

    @Flag(help: "Print the analysis as JSON (full precision) instead of a table.")
    var json = false

    @Flag(help: "Also count moderator comments as observations.")
    var includeModerator = false

    func validate() throws {
        if !(alpha > 0 && alpha < 1) { throw ValidationError("--alpha must be in (0, 1), got \(alpha)") }
        if !(power > alpha && power < 1) { throw ValidationError("--power must be in (alpha, 1), got \(power)") }
        if let effect, !(effect > 0 && effect.isFinite) { throw ValidationError("--effect must be a positive number, got \(effect)") }
    }

    func run() async throws {
        do {
            let opened = try Store.openExisting(path: store)
            var options = AnalysisOptions()
            options.includeModeratorComments = includeModerator
            let analysis = try await PowerAnalysis.build(store: opened, alpha: alpha, power: power, effect: effect, options: options)
            print(json ? try analysis.json() : analysis.text(), terminator: "")
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        } catch let error as PowerError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
    }
}
