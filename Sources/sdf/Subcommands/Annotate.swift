import ArgumentParser
import SDFEngine

/// `sdf annotate EXPERIMENT.yaml [--store FILE]`: runs the annotation stage alone.
struct Annotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Annotate a store's finished discussions with the experiment's annotation panel; skips what is done.")

    @Argument(help: "The experiment file (YAML) with an 'annotation' section.")
    var experiment: String

    @Option(help: "The store (SQLite file). Default: the experiment file's name with .sqlite, beside it.")
    var store: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        global.bootstrapLogging()
        try await Run.execute(ExperimentRunOptions(experimentFile: experiment, store: store, stages: .annotationOnly))
    }
}
