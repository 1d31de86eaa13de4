import Foundation
import PGWire
import SQL
import Storage
import Testing

/// The first messages of a connection, byte for byte: no TLS, trust or password, refusals.
@Suite struct StartupTests {
    /// A listener on an in-memory single-node engine, on a free loopback port.
    static func server(password: String? = nil) throws -> PGServer {
        let engine = try LocalEngine.memory()
        var configuration = PGServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.password = password
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
        let server = try Self.server(password: "secret")
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

    @Test func anOldProtocolIsRefused() throws {
        let server = try Self.server()
        defer { server.stop() }
        let version2: [UInt8] = [0, 0, 0, 8, 0, 2, 0, 0]
        let answer = String(decoding: try HostileClientTests.deliver(version2, to: server.port), as: UTF8.self)
        #expect(answer.contains("0A000"))
        #expect(answer.contains("unsupported frontend protocol 2.0"))
    }
}
