import Events
import Foundation
import State
import Testing

/// The daemon under faults it does not cause: a full disk, its queue folder removed or made
/// unwritable, its database locked by another process, its rules directory removed. It stays up,
/// says what is wrong, loses nothing, and resumes.
@Suite("Faults: full disk, missing or unwritable queue, locked database, missing rules", .serialized)
struct FaultTests {
    static let rules = RiskScreenProcess.packageRoot.appendingPathComponent("rules").path

    private func drop(_ daemon: RunningDaemon, _ sample: String, id: String) throws {
        let text = try SampleEvents.asNewPatient(sample, id: id)
        try text.write(toFile: daemon.home + "/" + id + ".staging", atomically: false, encoding: .utf8)
        #expect(rename(daemon.home + "/" + id + ".staging", daemon.home + "/inbox/" + id + ".json") == 0)
    }

    private func archived(_ daemon: RunningDaemon) -> Int {
        daemon.files("archive").flatMap { daemon.files("archive/" + $0) }.count
    }

    @Test("a full disk: nothing is lost while it is full, and everything is processed once space returns")
    func diskFull() throws {
        let directory = try TemporaryDirectory()
        let mountPoint = directory.path + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try RiskScreenProcess.runTool(
            "/usr/bin/mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint])
        guard mount == 0 else {
            Issue.record("cannot mount a tmpfs here (not root?): the disk-full test needs one")
            return
        }
        defer { _ = try? RiskScreenProcess.runTool("/usr/bin/umount", ["-l", mountPoint]) }
        let home = mountPoint + "/home"
        try FileManager.default.createDirectory(atPath: home + "/inbox", withIntermediateDirectories: true)
        let daemon = try RunningDaemon(home: home, rules: Self.rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") }, "\(daemon.log)")
        try drop(daemon, "08-discharge-homeless.json", id: "BEFORE-1")
        #expect(daemon.wait { self.archived(daemon) == 1 })

        // Five events staged on the same disk (a rename cannot cross file systems), then the disk filled.
        for index in 0..<5 {
            try SampleEvents.asNewPatient("04-discharge-lives-alone-adl-dependent.json", id: "FULL-\(index)")
                .write(toFile: mountPoint + "/FULL-\(index).staging", atomically: false, encoding: .utf8)
        }
        let filler = mountPoint + "/filler"
        #expect(FileManager.default.createFile(atPath: filler, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: filler))
        let chunk = Data(repeating: 0x41, count: 16 * 1024)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        try? handle.close()
        for index in 0..<5 {
            #expect(rename(mountPoint + "/FULL-\(index).staging", home + "/inbox/FULL-\(index).json") == 0)
        }
        #expect(
            daemon.wait(seconds: 20) { daemon.log.contains("stays in inbox/.work") || daemon.log.contains("No space") },
            "\(daemon.log)")
        Thread.sleep(forTimeInterval: 1)
        #expect(daemon.process.isRunning)
        // Nothing lost: every file is in the inbox, in .work, or already recorded.
        let waiting = daemon.files("inbox").filter { $0.hasSuffix(".json") } + daemon.files("inbox/.work")
        #expect(waiting.count + (self.archived(daemon) - 1) == 5, "\(waiting)")

        // Space returns: all processed, once.
        try FileManager.default.removeItem(atPath: filler)
        #expect(daemon.wait(seconds: 30) { self.archived(daemon) == 6 }, "\(daemon.log)")
        // Sample 08 raises 2 alerts, each of the five sample-04 patients 1.
        #expect(daemon.wait(seconds: 10) { daemon.files("alerts").filter { !$0.hasPrefix(".") }.count == 7 })
        #expect(daemon.stop().status == 0)
        let store = try SQLiteStateStore(readingFrom: home + "/state.db")
        #expect(try store.ledgerCount() == 6)
        for index in 0..<5 { #expect(try store.ledgerEntry(eventID: "FULL-\(index)")?.duplicates == 0) }
    }

    @Test("the queue folder removed, then made unwritable: the alerts wait in the outbox and arrive")
    func queueFolderFaults() throws {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: false)
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        // Removed: made again at the next delivery.
        try FileManager.default.removeItem(atPath: home + "/alerts")
        try drop(daemon, "10-admission-positive-safety-screen.json", id: "GONE-1")
        #expect(daemon.wait { daemon.files("alerts").filter { !$0.hasPrefix(".") }.count == 1 }, "\(daemon.log)")
        // Unwritable, even for root: immutable.
        #expect(try RiskScreenProcess.runTool("/usr/bin/chattr", ["+i", home + "/alerts"]) == 0)
        defer { _ = try? RiskScreenProcess.runTool("/usr/bin/chattr", ["-i", home + "/alerts"]) }
        try drop(daemon, "08-discharge-homeless.json", id: "LOCKED-1")
        #expect(daemon.wait { daemon.log.contains("delivery failed; the outbox keeps the alert") }, "\(daemon.log)")
        #expect(daemon.files("alerts").filter { !$0.hasPrefix(".") }.count == 1)
        #expect(try RiskScreenProcess.runTool("/usr/bin/chattr", ["-i", home + "/alerts"]) == 0)
        #expect(
            daemon.wait(seconds: 30) { daemon.files("alerts").filter { !$0.hasPrefix(".") }.count == 3 },
            "\(daemon.log)")
        #expect(daemon.stop().status == 0)
    }

    @Test(
        "the database locked by another process for longer than the busy timeout: the event waits, then is recorded once"
    )
    func databaseLocked() throws {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: false)
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        // Another process holds an exclusive lock for 8 s (the busy timeout is 5 s).
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = [
            "python3", "-c",
            "import sqlite3, time; c = sqlite3.connect('\(home)/state.db', isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(8); c.execute('COMMIT')",
        ]
        let output = Pipe()
        locker.standardOutput = output
        try locker.run()
        defer { if locker.isRunning { locker.terminate() } }
        _ = output.fileHandleForReading.availableData  // "locked"
        try drop(daemon, "08-discharge-homeless.json", id: "WAITED-1")
        #expect(daemon.wait(seconds: 20) { daemon.log.contains("database is locked") }, "\(daemon.log)")
        locker.waitUntilExit()
        #expect(daemon.wait(seconds: 30) { self.archived(daemon) == 1 }, "\(daemon.log)")
        #expect(daemon.stop().status == 0)
        let store = try SQLiteStateStore(readingFrom: home + "/state.db")
        #expect(try store.ledgerEntry(eventID: "WAITED-1")?.duplicates == 0)
        #expect(try store.queuedAlerts(includeClosed: true).count == 2)
    }

    @Test(
        "a wall clock an hour behind the files (set back): a file written in place is taken after its minimum age, not an hour later"
    )
    func clockSetBack() throws {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: false)
        _ = directory
        let daemon = try RunningDaemon(
            home: home, rules: rules, extra: ["--minimum-age", "1"],
            environment: ["RISKSCREEN_TEST_CLOCK_OFFSET": "-3600"])
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        // Written in place (no rename announces it), with a modification time an hour in the
        // daemon's future.
        let text = try SampleEvents.asNewPatient("08-discharge-homeless.json", id: "CLOCK-1")
        try text.write(toFile: home + "/inbox/clock.json", atomically: false, encoding: .utf8)
        let started = Date()
        #expect(daemon.wait(seconds: 15) { self.archived(daemon) == 1 }, "\(daemon.log)")
        #expect(Date().timeIntervalSince(started) >= 0.9, "taken before its minimum age")
        // Its alerts carry the daemon's clock: created about an hour before the tests' "now". (They
        // reach the queue folder just after the file is archived: waited for, on a busy machine.)
        func planning() -> [String: Any]? {
            (try? daemon.queuedRecords())?.first { $0["referral"] as? String == "discharge-planning" }
        }
        #expect(daemon.wait { planning() != nil }, "\(daemon.log)")
        let alert = try #require(planning())
        let created = try #require((alert["created_at"] as? String).flatMap { Timestamp(rfc3339: $0) })
        #expect(abs(Double(created.secondsSinceEpoch - RiskScreenProcess.now.secondsSinceEpoch) + 3600) < 120)
        #expect(daemon.stop().status == 0)
    }

    @Test("the rules directory removed, then a reload: refused, the rules in use stay, events go on")
    func rulesRemoved() throws {
        let (directory, home, rules) = try TemporaryDirectory.daemonHome(copyingRules: true)
        _ = directory
        let daemon = try RunningDaemon(home: home, rules: rules)
        #expect(daemon.wait { daemon.log.contains("riskscreen started") })
        try FileManager.default.removeItem(atPath: rules)
        daemon.signal(SIGHUP)
        #expect(daemon.wait { daemon.log.contains("reload refused") }, "\(daemon.log)")
        try drop(daemon, "08-discharge-homeless.json", id: "AFTER-REMOVAL")
        #expect(daemon.wait { daemon.files("alerts").filter { !$0.hasPrefix(".") }.count == 2 }, "\(daemon.log)")
        #expect(daemon.process.isRunning)
        #expect(daemon.stop().status == 0)
    }
}
