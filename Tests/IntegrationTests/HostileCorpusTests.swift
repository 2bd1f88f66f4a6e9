import Foundation
import State
import TestSupport
import Testing

/// The hostile corpus (`Tests/Fixtures/hostile`, made by `scripts/make-hostile-corpus`, plus its
/// large files made at test time) and special entries the test makes itself, dropped into a
/// running daemon that also sends alerts to a real rsyslog.
@Suite("Hostile input dropped into a running daemon", .serialized)
struct HostileCorpusTests {
    static let fixtures = RiskScreenProcess.packageRoot.appendingPathComponent("Tests/Fixtures/hostile")

    /// The daemon's resident-set high-water mark, in MB.
    private func peakResidentMB(_ pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Double(line.split(separator: " ").dropFirst().first ?? "").map { $0 / 1024 }
        }
        return nil
    }

    @Test(
        "each hostile file is quarantined with its reason or processed; good events after them go through; no symlink is followed, no FIFO blocks, memory stays bounded, nothing forges a line"
    )
    func corpus() throws {
        let directory = try TemporaryDirectory()
        guard let rsyslog = try Rsyslog.required(in: directory.path) else { return }
        defer { rsyslog.stop() }
        let home = directory.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)

        // The committed small files, and the large ones generated now.
        let large = directory.path + "/large"
        let generator = Process()
        generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generator.arguments = [
            "python3", RiskScreenProcess.packageRoot.appendingPathComponent("scripts/make-hostile-corpus").path, large,
            "--large",
        ]
        generator.standardOutput = FileHandle.nullDevice
        try generator.run()
        generator.waitUntilExit()
        #expect(generator.terminationStatus == 0)
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: large + "/expected.json")))
                as? [String: String])
        let committed = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.fixtures.appendingPathComponent("expected.json")))
                as? [String: String])
        // The committed corpus is what the script writes.
        #expect(committed.keys.allSatisfy { expected[$0] == committed[$0] })

        let configuration = try rsyslog.daemonConfiguration(in: directory.path, content: "full")
        let daemon = try RunningDaemon(
            home: home, rules: RiskScreenProcess.packageRoot.appendingPathComponent("rules").path,
            extra: ["--config", configuration, "--minimum-age", "1"])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")

        // Special entries: a symlink to a valid event outside the inbox, a FIFO, a directory named
        // like an event, and file names that try to forge log lines.
        let secret = directory.path + "/secret.json"
        try SampleEvents.asNewPatient("08-discharge-homeless.json", id: "SECRET-1").write(
            toFile: secret, atomically: true, encoding: .utf8)
        #expect(symlink(secret, home + "/inbox/link-to-secret.json") == 0)
        #expect(mkfifo(home + "/inbox/fifo.json", 0o600) == 0)
        try FileManager.default.createDirectory(
            atPath: home + "/inbox/directory.json", withIntermediateDirectories: false)
        let forgedName = "forged\n2026-11-23T00:00:00+0000 critical riskscreen: all is well\u{1B}[2J.json"
        try Data("{\"not\": \"an event\"}".utf8).write(to: URL(fileURLWithPath: directory.path + "/forged"))
        #expect(rename(directory.path + "/forged", home + "/inbox/" + forgedName) == 0)

        // The corpus, renamed in the way a feed delivers.
        for name in expected.keys.sorted() {
            let source = committed[name] != nil ? Self.fixtures.path + "/" + name : large + "/" + name
            let staging = directory.path + "/staging-" + name
            try FileManager.default.copyItem(atPath: source, toPath: staging)
            #expect(rename(staging, home + "/inbox/" + name) == 0)
        }
        // A file still being written in place: half now, the rest later
        // (within the minimum age of 1 s, so it must wait).
        let slowEvent = try SampleEvents.asNewPatient("13-discharge-low-risk-elective.json", id: "SLOW-1")
        let slowPath = home + "/inbox/slow.json"
        let half = slowEvent.utf8.count / 2
        // Written in place with open(2) (FileManager.createFile would write a temporary file and
        // rename it in: a finished delivery, taken at once).
        let descriptor = open(slowPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(descriptor >= 0)
        let bytes = Array(slowEvent.utf8)
        bytes.withUnsafeBytes { _ = Foundation.write(descriptor, $0.baseAddress, half) }

        Thread.sleep(forTimeInterval: 0.5)
        #expect(FileManager.default.fileExists(atPath: slowPath), "a file being written was taken")
        bytes.withUnsafeBytes { _ = Foundation.write(descriptor, $0.baseAddress! + half, bytes.count - half) }
        close(descriptor)

        // Good events after all that.
        for index in 0..<3 {
            let sample = [
                "08-discharge-homeless.json", "04-discharge-lives-alone-adl-dependent.json",
                "10-admission-positive-safety-screen.json",
            ][index]
            let text = try SampleEvents.asNewPatient(sample, id: "GOOD-\(index)")
            try text.write(toFile: home + "/good.staging", atomically: false, encoding: .utf8)
            #expect(rename(home + "/good.staging", home + "/inbox/good-\(index).json") == 0)
        }

        func archived() -> [String] {
            daemon.files("archive").flatMap { day in daemon.files("archive/" + day) }
        }
        let processedCount = expected.values.filter { $0 == "processed" }.count
        // Done when everything left the inbox and .work, and every refusal has its reason file.
        let refused =
            expected.filter { $0.value != "processed" }.map(\.key)
            + ["link-to-secret.json", "fifo.json", "directory.json", forgedName]
        #expect(
            daemon.wait(seconds: 60) {
                archived().count == processedCount + 4 && !daemon.files("inbox").contains { $0.hasSuffix(".json") }
                    && daemon.files("inbox/.work").isEmpty
                    && refused.allSatisfy {
                        FileManager.default.fileExists(atPath: home + "/quarantine/" + $0 + ".reason.json")
                    }
            }, "archived \(archived().count) of \(processedCount + 4); inbox \(daemon.files("inbox"))")
        #expect(daemon.process.isRunning, "the daemon stopped: \(daemon.log)")

        // Every corpus file where it belongs, with its reason.
        let archive = Set(archived())
        for (name, outcome) in expected {
            if outcome == "processed" {
                #expect(archive.contains(name), "\(name) was not processed")
                continue
            }
            let reasonPath = home + "/quarantine/" + name + ".reason.json"
            let data = try #require(FileManager.default.contents(atPath: reasonPath), "\(name) has no reason file")
            let reason = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(reason["reason"] as? String == outcome, "\(name): \(reason)")
            #expect((reason["errors"] as? [String])?.isEmpty == false)
            #expect(data.count < 64 * 1024, "\(name): the reason file is \(data.count) bytes")
            #expect(!data.contains(0x1B) && !String(decoding: data, as: UTF8.self).contains("\n\""))
        }
        // The 300,000 wrong elements are summarised, not listed.
        let arrayReason = try String(
            contentsOfFile: home + "/quarantine/array-300000-elements.json.reason.json", encoding: .utf8)
        #expect(arrayReason.contains("more problems not listed"))

        // Special entries: refused unread, the symlink moved as a link, the secret never read.
        for name in ["link-to-secret.json", "fifo.json", "directory.json"] {
            let data = FileManager.default.contents(atPath: home + "/quarantine/" + name + ".reason.json")
            #expect(data.map { String(decoding: $0, as: UTF8.self).contains("\"not_regular\"") } == true, "\(name)")
        }
        var status = stat()
        #expect(lstat(home + "/quarantine/link-to-secret.json", &status) == 0 && status.st_mode & S_IFMT == S_IFLNK)
        let store = try SQLiteStateStore(readingFrom: home + "/state.db")
        #expect(try store.ledgerEntry(eventID: "SECRET-1") == nil)
        #expect(try store.ledgerEntry(eventID: "SLOW-1") != nil, "the slowly written file was not processed")
        for index in 0..<3 { #expect(try store.ledgerEntry(eventID: "GOOD-\(index)") != nil) }
        #expect(FileManager.default.fileExists(atPath: home + "/quarantine/" + forgedName + ".reason.json"))

        // Nothing forges a line or reaches the terminal: the log, alerts.jsonl, syslog, file names.
        #expect(daemon.wait { rsyslog.lines.count >= 1 })
        let log = daemon.log
        #expect(!log.contains("\u{1B}"), "an escape sequence reached the log")
        for line in log.split(separator: "\n") {
            #expect(line.hasPrefix("20"), "a log line that is not the daemon's: \(line)")
        }
        #expect(log.contains(#"forged\n2026-11-23T00:00:00+0000 critical riskscreen: all is well\u{1B}[2J.json"#))
        for line in daemon.jsonlLines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not one JSON line: \(line)")
        }
        #expect(daemon.jsonlLines.contains { $0.contains(#"S-\u001b[2J\n<13>1 forged"#) })
        for line in rsyslog.lines {
            #expect(line.first?.isNumber == true && !line.contains("\u{1B}"), "a forged syslog line: \(line)")
        }
        #expect(!rsyslog.lines.contains { $0.hasPrefix("<13>") || $0.hasPrefix("forged") })
        let queueName = try NSRegularExpression(
            pattern: #"^[1-4]-(critical|high|medium|low)-[0-9]{8}T[0-9]{6}Z-rs-[0-9a-f]{24}\.json$"#)
        for name in daemon.files("alerts") where !name.hasPrefix(".") {
            #expect(
                queueName.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil,
                "an unexpected queue file name: \(name)")
        }

        // Memory stayed bounded through an 8 MB file, 300,000 elements and 200,000-deep nesting.
        // (scripts/sanitize raises the bound: AddressSanitizer's shadow memory alone is ~100 MB.)
        let bound = ProcessInfo.processInfo.environment["RISKSCREEN_MEMORY_BOUND_MB"].flatMap { Double($0) } ?? 128
        let peak = try #require(peakResidentMB(daemon.process.processIdentifier))
        #expect(peak < bound, "peak RSS \(peak) MB")
        #expect(daemon.stop().status == 0)
    }
}
