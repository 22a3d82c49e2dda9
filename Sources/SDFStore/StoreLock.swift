import Foundation
import SDFCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exclusive lock a writing command holds on a store: an `flock` on the side file `STORE.lock`, which names
/// its owner (process id, host, command, start).
///
/// The kernel releases an `flock` when its process ends, however it ends (SIGKILL included), so a lock that can be
/// taken means nobody is writing: a run still marked `running` in the store was interrupted. A second `sdf run`
/// or `sdf annotate` on the same store is refused with the owner's details instead of colliding with the first
/// one's rows. (`flock` on network file systems is only as reliable as the file system; the owner's host is
/// recorded so that a refusal can say where the other process runs.)
public enum StoreLock {
    /// Who holds (or last held) a store's lock.
    public struct Owner: Codable, Sendable, Hashable {
        /// Process id.
        public var pid: Int32
        /// Host name.
        public var host: String
        /// What it runs, e.g. `sdf run`.
        public var command: String
        /// When it took the lock.
        public var since: Date
    }

    /// Where the lock of a store is: what a store's lock file says and whether a process holds it.
    public enum State: Sendable, Hashable {
        /// A process holds the lock (its owner record, if readable).
        case held(Owner?)
        /// Nobody holds the lock; the last owner's record if it did not release cleanly.
        case free(lastOwner: Owner?)
        /// There is no lock file (a store written by an older SDF, an in-memory store, or one never run).
        case noLockFile
    }

    /// `STORE.lock`.
    public static func path(forStore store: String) -> String { store + ".lock" }

    /// Runs `body` holding the store's lock.
    ///
    /// - Parameters:
    ///   - store: the store's path (the store need not exist yet; its folder must).
    ///   - command: what the owner runs, for the refusal message of a second process (e.g. `sdf run`).
    ///   - body: the work done under the lock.
    /// - Returns: what `body` returns.
    /// - Throws: ``StoreError`` "STORE is in use by `sdf run` (pid N on host H since T)…" when another process
    ///   holds the lock, or the lock file cannot be created; whatever `body` throws.
    public static func withLock<T>(store: String, command: String, _ body: () async throws -> T) async throws -> T {
        let lockPath = path(forStore: store)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError("cannot create the lock file \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let owner = readOwner(fd: fd)
            throw StoreError(
                "\(store) is in use by "
                    + (owner.map {
                        "`\($0.command)` (pid \($0.pid) on host \($0.host), since \(Timestamp.seconds($0.since)))"
                    } ?? "another sdf process")
                    + "; two runs on one store would collide. Wait for it to finish or stop it, then run the command again.")
        }
        let owner = Owner(pid: getpid(), host: ProcessInfo.processInfo.hostName, command: command, since: Date())
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(owner)) ?? Data()
        _ = ftruncate(fd, 0)
        _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        defer {
            // A clean release leaves an empty file: only a process that died holding the lock leaves its record.
            // When the work wrote no store (it failed early), the lock file goes too: nothing is left behind.
            _ = ftruncate(fd, 0)
            if !FileManager.default.fileExists(atPath: store) { _ = unlink(lockPath) }
            _ = flock(fd, LOCK_UN)
        }
        return try await body()
    }

    /// The state of a store's lock, without taking it for longer than the check (and without creating the file).
    public static func state(store: String) -> State {
        let fd = open(path(forStore: store), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .noLockFile }
        defer { close(fd) }
        let owner = readOwner(fd: fd)
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return .free(lastOwner: owner)
        }
        return .held(owner)
    }

    static func readOwner(fd: Int32) -> Owner? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(Owner.self, from: Data(buffer[0..<n]))
    }
}
