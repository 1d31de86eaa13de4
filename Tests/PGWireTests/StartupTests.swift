import Foundation
@testable import PGWire
import SQL
import Storage
import Testing

/// The first messages of a connection, byte for byte: no TLS, trust or password, refusals.
@Suite struct StartupTests {
    /// A listener on an in-memory single-node engine, on a free loopback port.
    static func server(password: String? = nil, method: PGServer.PasswordMethod = .md5) throws -> PGServer {
        let engine = try LocalEngine.memory()
        var configuration = PGServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.password = password
        configuration.passwordMethod = method
        let server = PGServer(configuration) { Session(engine: engine) }
        try server.start()
        return server
    }

    @Test func sslRequestIsAnsweredWithN() throws {
        let server = try Self.server()
        defer { server.stop() }
        let sslRequest: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]
        #expect(try HostileClientTests.deliver(sslRequest, to: server.port) == Array("N".utf8))
    }

    @Test func loopbackIsTrustedAndToldWhatDriversNeed() throws {
        let server = try Self.server()
        defer { server.stop() }
        let answer = String(decoding: try HostileClientTests.deliver(HostileClientTests.startup(), to: server.port), as: UTF8.self)
        #expect(answer.hasPrefix("R"))
        for parameter in ["server_version", "client_encoding", "DateStyle", "integer_datetimes", "standard_conforming_strings"] {
            #expect(answer.contains(parameter))
        }
        #expect(answer.contains("K"))             // BackendKeyData
        #expect(answer.hasSuffix("Z\0\0\0\u{5}I"))  // ReadyForQuery, idle
    }

    @Test func aPasswordIsAskedForAndChecked() throws {
        let server = try Self.server(password: "secret", method: .cleartext)
        defer { server.stop() }
        let asked = try HostileClientTests.deliver(HostileClientTests.startup(), to: server.port)
        #expect(asked == [UInt8(ascii: "R"), 0, 0, 0, 8, 0, 0, 0, 3])   // cleartext password, please
        let wrong = HostileClientTests.startup() + HostileClientTests.message(UInt8(ascii: "p"), Array("guess\0".utf8))
        let refused = String(decoding: try HostileClientTests.deliver(wrong, to: server.port), as: UTF8.self)
        #expect(refused.contains("28P01"))
        let right = HostileClientTests.startup() + HostileClientTests.message(UInt8(ascii: "p"), Array("secret\0".utf8))
        let accepted = try HostileClientTests.deliver(right, to: server.port)
        #expect(Array(accepted.dropFirst(9).prefix(9)) == [UInt8(ascii: "R"), 0, 0, 0, 8, 0, 0, 0, 0])  // then AuthenticationOk
    }

    @Test func md5MatchesTheReferenceDigests() {
        #expect(MD5.hex([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex(Array("The quick brown fox jumps over the lazy dog".utf8)) == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(MD5.hex(Array(String(repeating: "a", count: 100).utf8)) == "36a92cc94a9e0fa21f625f8bfb007adf")
    }

    /// psql itself logs in with MD5 (PGPASSWORD), and is refused with a wrong password.
    @Test func psqlLogsInWithAnMD5Password() throws {
        let server = try Self.server(password: "s3cret")
        defer { server.stop() }
        let psql = try PsqlClient.path()
        func login(_ password: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: psql)
            process.arguments = ["-X", "-h", "127.0.0.1", "-p", String(server.port), "-U", "ann", "-d", "cutaway", "-tAc", "SELECT 6 * 7"]
            var environment = ProcessInfo.processInfo.environment
            environment["PGPASSWORD"] = password
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }
        #expect(try login("s3cret") == "42\n")
        #expect(try login("wrong").contains("password authentication failed for user \"ann\""))
    }

    @Test func anOldProtocolIsRefused() throws {
        let server = try Self.server()
        defer { server.stop() }
        let version2: [UInt8] = [0, 0, 0, 8, 0, 2, 0, 0]
        let answer = String(decoding: try HostileClientTests.deliver(version2, to: server.port), as: UTF8.self)
        #expect(answer.contains("0A000"))
        #expect(answer.contains("unsupported frontend protocol 2.0"))
    }
}
