/// Where and how the viewer listens.
public struct ViewerConfiguration: Sendable, Hashable {
    /// The address to bind; `127.0.0.1` (this machine only) unless told otherwise.
    public var host: String
    /// The TCP port; 0 picks a free one.
    public var port: Int
    /// How often a running discussion's page asks for new turns, in milliseconds.
    public var pollMilliseconds: Int

    /// Creates a configuration (defaults: `127.0.0.1:8080`, polling every 2 s).
    public init(host: String = "127.0.0.1", port: Int = 8080, pollMilliseconds: Int = 2000) {
        self.host = host
        self.port = port
        self.pollMilliseconds = pollMilliseconds
    }

    /// Whether ``host`` is a loopback address, reachable from this machine only.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// A warning to print when the viewer is reachable from other machines; `nil` on loopback.
    public var exposureWarning: String? {
        guard !isLoopback else { return nil }
        return """
            WARNING: sdf serve is listening on \(host):\(port), reachable from other machines. Anyone who can reach \
            this address can read every served discussion, persona and prompt. There is no authentication and no \
            TLS. Use --host 127.0.0.1 (the default) unless you mean to share these stores.
            """
    }
}
