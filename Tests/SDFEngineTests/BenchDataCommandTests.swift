import Foundation
import Testing

@Suite("sdf bench data: the command")
struct BenchDataCommandTests {
    @Test("every step prints a line, the viewer serves every page, and nothing is left behind")
    func smallRun() async throws {
        let dir = try temporaryFolder("bench-cmd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/bench.sqlite"
        let result = try await sdf(["bench", "data", "--discussions", "6", "--turns", "3", "--annotators", "2", "--store", store])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let steps = [
            "generate discussions", "generate annotations", "baseline: INSERT rows", "baseline: SELECT rows (cursor)",
            "setup: write the store as legacy files", "import legacy files", "export csv", "export jsonl", "export sdf-json",
            "report (HTML)", "report (JSON)", "status", "show (one discussion)", "viewer: index", "viewer: list, page 1",
            "viewer: search (first: builds the index)", "viewer: search, rare word", "viewer: discussion page",
            "viewer: compare, replicate 1", "viewer: report (first: builds it)",
        ]
        for step in steps {
            let line = lines.first { $0.hasPrefix(step) }
            #expect(line != nil, "no line for \(step) in:\n\(result.stdout)")
            // Every step handled rows (a page: its bytes), and the line says how long it took and its peak memory.
            if let line {
                let rows = line.dropFirst(step.count).split(separator: " ").first { Int($0) != nil }.flatMap { Int($0) }
                #expect((rows ?? 0) > 0, "\(line)")
                #expect(line.contains(" s ") && line.contains("peak RSS"), "\(line)")
            }
        }
        #expect(lines.contains { $0.hasPrefix("import legacy files") && $0.contains("× baseline") })
        // The store was kept (--store) and the scratch files next to it are gone.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix("bench.sqlite") || $0.contains("legacy") || $0.contains("baseline") }
        #expect(left.isEmpty, "\(left)")
    }
}
