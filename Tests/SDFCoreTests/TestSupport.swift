import Foundation
import Testing

@testable import SDFCore

/// Shared helpers for the SDFCore tests.
enum TestSupport {
    /// The folder of this test target (sources, goldens, fixtures), found from this file's path.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// A fresh, unique temporary folder; the caller removes it with ``removeTemporaryDirectory(_:)``.
    static func makeTemporaryDirectory(_ label: String = #function) throws -> URL {
        let safe = label.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("sdfcore-tests-\(safe)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func removeTemporaryDirectory(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `contents` to `relativePath` under `directory`, creating intermediate folders.
    @discardableResult
    static func write(_ contents: String, to relativePath: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
        return url
    }

    /// Pearson's chi-square statistic of `counts` against equal expected frequencies.
    static func chiSquareUniform(_ counts: [Int]) -> Double {
        let total = Double(counts.reduce(0, +))
        let expected = total / Double(counts.count)
        return counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
    }

    /// Upper 0.1 % critical values of the chi-square distribution, by degrees of freedom (standard tables).
    static func chiSquareCritical999(df: Int) -> Double {
        let table: [Int: Double] = [
            1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515, 6: 22.458, 7: 24.322, 8: 26.124, 9: 27.877,
            10: 29.588, 11: 31.264, 12: 32.909, 15: 37.697, 19: 43.820, 23: 49.728,
        ]
        guard let value = table[df] else { fatalError("no chi-square critical value tabulated for df=\(df)") }
        return value
    }
}
