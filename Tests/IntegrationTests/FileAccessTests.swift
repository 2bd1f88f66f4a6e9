import Foundation
import Testing

/// The files that carry protected health information: owner-only by default whatever the umask,
/// owner and group when configured, never world-readable.
@Suite("Protected health information on disk: file modes")
struct FileAccessTests {
    /// Every file and directory under `root` with its permission bits.
    private func modes(under root: String) throws -> [String: Int] {
        var result: [String: Int] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            var status = stat()
            guard lstat(root + "/" + relative, &status) == 0 else { continue }
            result[relative] = Int(status.st_mode & 0o7777)
        }
        return result
    }

    /// Drains the samples once with the binary under `umask 000`, with `access` in a configuration.
    private func drain(access: String?) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        for sample in ["08-discharge-homeless.json", "12-discharge-against-medical-advice.json"] {
            try SampleEvents.write(sample, to: home + "/inbox/" + sample)
        }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: home + "/inbox/broken.json"))
        let configuration = directory.path + "/riskscreen.yaml"
        try ("home: \(home)\nminimum_age: 0s\nsinks: [queue, jsonl]\n" + (access.map { "file_access: \($0)\n" } ?? ""))
            .write(toFile: configuration, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "umask 000; exec \"$0\" run --once --config \"$1\" --rules \"$2\"", RiskScreenProcess.binary.path,
            configuration, RiskScreenProcess.packageRoot.appendingPathComponent("rules").path,
        ]
        // The tests' clock: the samples are moved to just before it, so they are not stale.
        process.environment = RiskScreenProcess.environment([:])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (directory, home)
    }

    @Test("by default every file is 0600 and every directory 0700, even under umask 000")
    func ownerOnly() throws {
        let (directory, home) = try drain(access: nil)
        _ = directory
        let found = try modes(under: home)
        #expect(found.keys.contains { $0.hasPrefix("alerts/") })
        #expect(found.keys.contains { $0.hasPrefix("quarantine/") })
        #expect(found.keys.contains { $0.hasPrefix("archive/") })
        for (path, mode) in found where path != "metrics.prom" {
            var status = stat()
            lstat(home + "/" + path, &status)
            let isDirectory = status.st_mode & S_IFMT == S_IFDIR
            #expect(mode == (isDirectory ? 0o700 : 0o600), "\(path) is \(String(mode, radix: 8))")
        }
        #expect(found.allSatisfy { $0.value & 0o007 == 0 }, "something is world-accessible")
    }

    @Test("file_access: group gives the team's group read (and the state database write), never the world")
    func group() throws {
        let (directory, home) = try drain(access: "group")
        _ = directory
        let found = try modes(under: home)
        #expect(found["state.db"] == 0o660)
        #expect(found["alerts.jsonl"] == 0o640)
        #expect(found["alerts"] == 0o750)
        #expect(found.filter { $0.key.hasPrefix("alerts/") }.allSatisfy { $0.value == 0o640 })
        #expect(found.filter { $0.key.hasPrefix("quarantine/") }.allSatisfy { $0.value == 0o640 })
        #expect(found.allSatisfy { $0.value & 0o007 == 0 }, "something is world-accessible")
    }

    @Test("check --config refuses an unknown file_access")
    func refusesUnknown() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/riskscreen.yaml"
        try "file_access: everyone\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try RiskScreenProcess.run(["check", "--config", file])
        #expect(result.status == 1)
        #expect(result.stdout.contains("file_access is owner"))
    }
}
