import ArgumentParser
import Logging
import SDFServe

/// `sdf serve STORE... [--port N] [--host H]`: the read-only web viewer.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a read-only web viewer over one or more stores: read, search and compare discussions, live during a run.",
        discussion: """
            Opens every store read-only and serves until Ctrl-C. Binds 127.0.0.1 (this machine only) unless --host \
            says otherwise. Full-text search keeps its index in STORE.search.sqlite beside the store (or in a \
            temporary folder when that folder is read-only), never inside the store.
            """)

    @Argument(help: "One or more stores (SQLite files), e.g. the shards of one experiment or two experiments.")
    var stores: [String]

    @Option(help: "TCP port (0 picks a free one).")
    var port: Int = 8080

    @Option(help: "Address to bind. Anything but a loopback address exposes the stores to other machines.")
    var host: String = "127.0.0.1"

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if stores.isEmpty { throw ValidationError("give at least one store") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let viewer: Viewer
        do {
            viewer = try Viewer(paths: stores, configuration: ViewerConfiguration(host: host, port: port))
        } catch let error as ServeError {
            printError("error: \(error.message)")
            throw ExitCode(for: error)
        }
        if let warning = viewer.configuration.exposureWarning {
            printError(String(repeating: "!", count: 78))
            printError(warning)
            printError(String(repeating: "!", count: 78))
        }
        var logger = Logger(label: "sdf.serve")
        logger.logLevel = global.verbose ? .info : .warning
        let host = self.host
        let names = viewer.stores.map { "\($0.name) (\($0.path))" }.joined(separator: ", ")
        try await viewer.run(logger: logger) { port in
            let shown = host.contains(":") ? "[\(host)]" : host
            printError("serving \(names) read-only at http://\(shown):\(port)/ (Ctrl-C to stop)")
        }
    }
}
