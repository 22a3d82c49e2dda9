import ArgumentParser
import SDFStore

/// `sdf status STORE...`: progress and failures of the experiment in a store, or of a design over its shard stores.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per condition: discussions done / partial / failed / pending; annotation progress; failures by kind.")

    @Argument(help: "The store (SQLite file); several stores (the shards of a cluster run) show the whole design's progress and which shards are missing or incomplete.")
    var stores: [String]

    func validate() throws {
        if stores.isEmpty { throw ValidationError("give at least one store") }
    }

    func run() async throws {
        do {
            if stores.count == 1 {
                let opened = try Store.openExisting(path: stores[0])
                print(StatusReport.text(try await StatusReport.status(store: opened), storePath: stores[0]), terminator: "")
            } else {
                let opened = try stores.map { try Store.openExisting(path: $0) }
                print(StatusReport.text(try await StatusReport.combined(stores: opened)), terminator: "")
            }
        } catch let error as StoreError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
    }
}
