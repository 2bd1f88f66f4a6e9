import Foundation
import TestSupport
import Testing

/// A real headless Chromium, driven through its WebDriver (Debian's `chromium-driver`) over the W3C
/// protocol, straight from Swift: started on a loopback port of its own, stopped by the test.
final class WebDriver {
    static let chromium = "/usr/bin/chromium"
    static let driver = "/usr/bin/chromedriver"
    static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: driver)
    }

    let process = Process()
    let port: UInt16
    private(set) var session = ""

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts chromedriver and a browser session with a profile in `directory`.
    init(directory: String, width: Int = 1400, height: Int = 1000) throws {
        port = Rsyslog.freePort(type: SOCK_STREAM)
        process.executableURL = URL(fileURLWithPath: Self.driver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if (try? request("GET", "/status"))?["value"].flatMap({ ($0 as? [String: Any])?["ready"] as? Bool }) == true
            {
                break
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": Self.chromium,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=\(width),\(height)", "--user-data-dir=\(directory)/chromium-profile",
                            "--no-first-run", "--disable-extensions",
                        ],
                    ],
                ]
            ]
        ]
        let created = try request("POST", "/session", capabilities)
        guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw Failure(description: "chromedriver did not start a session: \(created)")
        }
        session = id
    }

    deinit { quit() }

    func quit() {
        if !session.isEmpty { _ = try? request("DELETE", "/session/\(session)") }
        session = ""
        if process.isRunning {
            // chromedriver may not heed SIGTERM: a moment's grace, then SIGKILL.
            process.terminate()
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// One WebDriver command; its JSON answer. Sent with curl (a process per command: simple,
    /// and nothing in the test process waits on a callback).
    @discardableResult
    func request(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-s", "--max-time", "60", "-X", method, "http://127.0.0.1:\(port)\(path)"]
        if let body {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", json]
        }
        curl.arguments = arguments
        let output = Pipe()
        curl.standardOutput = output
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        guard curl.terminationStatus == 0 else {
            throw Failure(description: "\(method) \(path): curl exited \(curl.terminationStatus)")
        }
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        if let value = object["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "\(method) \(path): \(error): \(value["message"] ?? "")")
        }
        return object
    }

    @discardableResult
    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        try request(method, "/session/\(session)\(path)", body)["value"]
    }

    func go(_ url: String) throws { try command("POST", "/url", ["url": url]) }
    var url: String { ((try? command("GET", "/url")) as? String) ?? "" }
    var source: String { ((try? command("GET", "/source")) as? String) ?? "" }

    /// The first element `css` selects.
    func element(_ css: String) throws -> String {
        let found = try command("POST", "/element", ["using": "css selector", "value": css]) as? [String: Any]
        guard let id = found?.values.first as? String else { throw Failure(description: "no element \(css)") }
        return id
    }

    func type(_ css: String, _ text: String) throws {
        try command("POST", "/element/\(try element(css))/value", ["text": text])
    }

    func click(_ css: String) throws { try command("POST", "/element/\(try element(css))/click", [:]) }

    /// Runs `script` in the page; its result.
    @discardableResult
    func run(_ script: String, _ arguments: [Any] = []) throws -> Any? {
        try command("POST", "/execute/sync", ["script": script, "args": arguments])
    }

    /// Runs an asynchronous `script` (its last argument is the callback).
    func runAsync(_ script: String) throws -> Any? {
        try command("POST", "/execute/async", ["script": script, "args": []])
    }

    /// A PNG of the window, written to `path`.
    func screenshot(_ path: String) throws {
        guard let base64 = try command("GET", "/screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// Waits until `condition` holds (checked every 100 ms) for at most `seconds`.
    func wait(seconds: Double = 10, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return (try? condition()) == true
    }
}
