import ArgumentParser
import Logging

/// The `sdf` command: create, store and inspect synthetic discussions.
@main
struct SDFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdf",
        abstract: "Synthetic Discussion Framework: simulate moderated online discussions between LLM agents.",
        version: "0.1.0",
        subcommands: [Run.self, Annotate.self, Plan.self, Status.self, Merge.self, Import.self, Show.self, Export.self, Report.self, Power.self, Compare.self, Serve.self, Init.self, Engine.self, Bench.self]
    )
}

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Log more (engine start-up, requests) to stderr.")
    var verbose = false

    func bootstrapLogging() {
        let level: Logger.Level = verbose ? .info : .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
