import ArgumentParser
import SDFStore

/// `sdf status STORE`: progress and failures of the experiment in a store.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per condition: discussions done / partial / failed / pending; annotation progress; failures by kind.")

    @Argument(help: "The store (SQLite file).")
    var store: String

    func run() async throws {
        do {
            let opened = try Store.openExisting(path: store)
            print(StatusReport.text(try await StatusReport.status(store: opened), storePath: store), terminator: "")
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
    }
}
