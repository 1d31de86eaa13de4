import Foundation
import NIOCore
import SQL
import Storage

/// One client connection: startup and authentication, then the simple and extended query
/// protocols over a `PGSession`. Messages are handled in order on a serial queue of the
/// connection's own, so a slow statement blocks only its own client.
final class PGConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = PGFrontendMessage

    /// A statement from Parse, waiting for its parameters.
    private struct Prepared {
        var sql: String
        var parameterTypes: [Int32]
    }

    /// A bound statement (Bind), ready to Execute; run early if Describe needs its columns.
    private struct Portal {
        var sql: String
        var resultBinary: [Bool]
        var outcome: Result<PGQueryResult, PGErrorFields>?
    }

    let processID: Int32
    let secret: Int32
    private let server: PGServer
    fileprivate let queue = DispatchQueue(label: "cutaway-pg")
    /// Set by a CancelRequest from another connection; polled while a statement reads rows.
    let cancelled = CancelFlag()

    // Touched only on `queue`.
    private var channel: (any Channel)?
    private var writer = PGMessageWriter(buffer: ByteBuffer())
    private var session: PGSession?
    private var startupParameters: [String: String] = [:]
    private var awaitingPassword = false
    /// The MD5 exchange's salt, sent with the request for a password.
    private var salt: [UInt8] = []
    private var closed = false
    /// After an error in the extended protocol, messages are skipped until Sync.
    private var skippingToSync = false
    private var prepared: [String: Prepared] = [:]
    private var portals: [String: Portal] = [:]

    init(server: PGServer, processID: Int32, secret: Int32) {
        self.server = server
        self.processID = processID
        self.secret = secret
    }

    // MARK: - Channel events (on the event loop)

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        queue.async {
            self.channel = channel
            self.writer = PGMessageWriter(buffer: channel.allocator.buffer(capacity: 256))
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        queue.async { self.handle(message) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        queue.async {
            self.closed = true
            self.session?.close()
            self.server.forget(self)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        queue.async { self.fail(PGErrorFields(code: "08P01", message: "\(error)")) }
    }

    // MARK: - Messages (on the queue)

    private func handle(_ message: PGFrontendMessage) {
        guard !closed else { return }
        let authenticated = session != nil
        do {
            switch message {
            case let .startup(code, body):
                try startup(code: code, body: body)
            case let .typed(type, body):
                if session == nil && !awaitingPassword {
                    throw PGProtocolError("expected a startup packet first")
                }
                try typed(type, body)
            }
        } catch {
            fail(PGErrorFields(code: "08P01", message: "invalid message: \(error)"))
        }
        // Drivers send Parse, Bind, Describe, Execute and Sync together: answer them together.
        if case .typed(let type, _) = message, !Self.flushesAfter.contains(type), authenticated { return }
        flush()
    }

    /// Sync, Flush and Query end a batch of answers; the rest wait in the buffer.
    private static let flushesAfter: Set<UInt8> = [UInt8(ascii: "S"), UInt8(ascii: "H"), UInt8(ascii: "Q")]

    private func startup(code: UInt32, body: [UInt8]) throws(PGProtocolError) {
        switch code {
        case PGStartupCode.sslRequest, PGStartupCode.gssRequest:
            // No TLS here: `N`, and the client carries on in plain text.
            writer.buffer.writeInteger(UInt8(ascii: "N"))
        case PGStartupCode.cancelRequest:
            var reader = PGBodyReader(body)
            server.cancel(processID: try reader.int32(), secret: try reader.int32())
            closed = true
            channel?.close(promise: nil)
        case PGStartupCode.protocol3:
            var reader = PGBodyReader(body)
            while !reader.isAtEnd {
                let name = try reader.cString()
                if name.isEmpty { break }
                startupParameters[name] = try reader.cString()
            }
            guard startupParameters["user"] != nil else { throw PGProtocolError("the startup packet names no user") }
            if let password = server.configuration.password, !password.isEmpty {
                awaitingPassword = true
                if server.configuration.passwordMethod == .md5 {
                    salt = (0..<4).map { _ in UInt8.random(in: 0...255) }
                    writer.authenticationMD5(salt: salt)
                } else {
                    writer.authenticationCleartext()
                }
            } else if isLoopback {
                begin()
            } else {
                fail(PGErrorFields(code: "28000", message: "connections from \(peer) are refused: without a password only loopback clients are trusted",
                                   hint: "Start the server with a password (--pg-password) to accept other hosts."), fatal: true)
            }
        default:
            let major = code >> 16, minor = code & 0xFFFF
            fail(PGErrorFields(code: "0A000", message: "unsupported frontend protocol \(major).\(minor): this server speaks 3.0"), fatal: true)
        }
    }

    private var peer: String {
        guard let address = channel?.remoteAddress else { return "an unknown address" }
        return address.ipAddress ?? "\(address)"
    }

    private var isLoopback: Bool {
        guard let address = channel?.remoteAddress else { return false }
        guard let ip = address.ipAddress else { return true }   // a Unix socket
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    /// Authentication passed: make the session and tell the client what drivers need to know.
    private func begin() {
        awaitingPassword = false
        let user = startupParameters["user"] ?? "cutaway"
        let database = startupParameters["database"] ?? user
        let sqlSession: Session
        do {
            sqlSession = try server.makeSession()
        } catch {
            return fail(PGErrorFields(error), fatal: true)
        }
        let flag = cancelled
        sqlSession.isCancelled = { flag.isSet }
        var settings = PGServer.parameters
        settings["application_name"] = startupParameters["application_name"] ?? ""
        session = PGSession(session: sqlSession, database: database, user: user, settings: settings)
        writer.authenticationOk()
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { writer.parameterStatus(name, value) }
        writer.backendKeyData(processID: processID, secret: secret)
        server.register(self, user: user, application: startupParameters["application_name"])
        readyForQuery()
    }

    private func typed(_ type: UInt8, _ body: [UInt8]) throws(PGProtocolError) {
        var reader = PGBodyReader(body)
        if awaitingPassword {
            guard type == UInt8(ascii: "p") else { throw PGProtocolError("expected a password message") }
            let given = try reader.cString()
            let password = server.configuration.password ?? ""
            let expected = server.configuration.passwordMethod == .md5
                ? MD5.passwordResponse(password: password, user: startupParameters["user"] ?? "", salt: salt) : password
            guard given == expected else {
                return fail(PGErrorFields(code: "28P01", message: "password authentication failed for user \"\(startupParameters["user"] ?? "")\""), fatal: true)
            }
            return begin()
        }
        switch Character(Unicode.Scalar(type)) {
        case "Q": simpleQuery(try reader.cString())
        case "X":
            closed = true
            channel?.close(promise: nil)
        case "S":
            skippingToSync = false
            readyForQuery()
        case "H": break   // Flush: everything written so far goes out below.
        case _ where skippingToSync: break
        case "P":
            let name = try reader.cString()
            let sql = try reader.cString()
            let count = try reader.count()
            var types: [Int32] = []
            for _ in 0..<count { types.append(try reader.int32()) }
            prepared[name] = Prepared(sql: sql, parameterTypes: types)
            writer.parseComplete()
        case "B": try bind(&reader)
        case "D":
            let kind = try reader.byte()
            let name = try reader.cString()
            kind == UInt8(ascii: "S") ? describeStatement(name) : describePortal(name)
        case "E":
            let name = try reader.cString()
            _ = try reader.int32()   // row limit: results are sent whole
            execute(portal: name)
        case "C":
            let kind = try reader.byte()
            let name = try reader.cString()
            if kind == UInt8(ascii: "S") { prepared[name] = nil } else { portals[name] = nil }
            writer.closeComplete()
        default:
            throw PGProtocolError("unknown message type '\(Character(Unicode.Scalar(type)))' (\(type))")
        }
    }

    // MARK: - Simple query

    /// Runs each statement of `text` in turn; the first error stops the rest.
    private func simpleQuery(_ text: String) {
        guard let session else { return }
        let (statements, remainder) = StatementSplitter.split(text)
        let all = statements + (remainder.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? [] : [remainder])
        if all.isEmpty { writer.emptyQuery() }
        var searchFrom = text.startIndex
        for statement in all {
            // Positions in errors count from the start of the whole query string.
            let start = text.range(of: statement, range: searchFrom..<text.endIndex)?.lowerBound ?? searchFrom
            searchFrom = start
            let base = text.distance(from: text.startIndex, to: start)
            cancelled.clear()
            do {
                send(try session.run(statement), binary: [], description: true)
            } catch {
                writer.error(error, position: error.offset.map { base + $0 + 1 })
                break
            }
        }
        readyForQuery()
    }

    // MARK: - Extended query

    private func bind(_ reader: inout PGBodyReader) throws(PGProtocolError) {
        let portalName = try reader.cString()
        let statementName = try reader.cString()
        var formats: [Int16] = []
        for _ in 0..<(try reader.count()) { formats.append(try reader.int16()) }
        var values: [[UInt8]?] = []
        for _ in 0..<(try reader.count()) {
            let length = try reader.int32()
            values.append(length < 0 ? nil : try reader.bytes(Int(length)))
        }
        var resultFormats: [Int16] = []
        for _ in 0..<(try reader.count()) { resultFormats.append(try reader.int16()) }
        guard let statement = prepared[statementName] else {
            return extendedError(PGErrorFields(code: "26000", message: "prepared statement \"\(statementName)\" does not exist"))
        }
        do {
            let literals = try values.enumerated().map { (index, bytes) throws(SQLError) -> String in
                let format = formats.count == 1 ? formats[0] : index < formats.count ? formats[index] : 0
                let oid = index < statement.parameterTypes.count ? statement.parameterTypes[index] : 0
                return try PGValues.literal(bytes, oid: oid, binary: format == 1)
            }
            let sql = try PGValues.substitute(statement.sql, literals)
            portals[portalName] = Portal(sql: sql, resultBinary: resultFormats.map { $0 == 1 }, outcome: nil)
            writer.bindComplete()
        } catch {
            var fields = PGErrorFields(error)
            if error.kind == .type { fields.code = "22P02" }
            extendedError(fields)
        }
    }

    private func describeStatement(_ name: String) {
        guard let statement = prepared[name] else {
            return extendedError(PGErrorFields(code: "26000", message: "prepared statement \"\(name)\" does not exist"))
        }
        let count = max(statement.parameterTypes.count, PGValues.parameterCount(statement.sql))
        writer.parameterDescription((0..<count).map { $0 < statement.parameterTypes.count && statement.parameterTypes[$0] != 0 ? statement.parameterTypes[$0] : PGType.text.oid })
        // The columns are only known once the statement runs, with its parameters (Bind).
        writer.noData()
    }

    /// Describing a portal runs it: a result's columns are known once it has rows.
    private func describePortal(_ name: String) {
        guard var portal = portals[name] else {
            return extendedError(PGErrorFields(code: "34000", message: "portal \"\(name)\" does not exist"))
        }
        let outcome = portal.outcome ?? run(portal.sql)
        portal.outcome = outcome
        portals[name] = portal
        switch outcome {
        case .success(let result):
            if let columns = result.columns {
                writer.rowDescription(Self.formatted(columns, portal.resultBinary))
            } else {
                writer.noData()
            }
        case .failure(let error):
            extendedError(error)
        }
    }

    private func execute(portal name: String) {
        guard let portal = portals[name] else {
            return extendedError(PGErrorFields(code: "34000", message: "portal \"\(name)\" does not exist"))
        }
        let outcome = portal.outcome ?? run(portal.sql)
        // A portal runs once; executing it again finds it spent, as an unnamed portal would be.
        portals[name]?.outcome = .success(.command(""))
        switch outcome {
        case .success(let result): send(result, binary: portal.resultBinary, description: false)
        case .failure(let error): extendedError(error)
        }
    }

    private func run(_ sql: String) -> Result<PGQueryResult, PGErrorFields> {
        guard let session else { return .failure(PGErrorFields(code: "08P01", message: "no session")) }
        cancelled.clear()
        do {
            return .success(try session.run(sql))
        } catch {
            return .failure(error)
        }
    }

    private func extendedError(_ fields: PGErrorFields) {
        writer.error(fields, position: fields.offset.map { $0 + 1 })
        skippingToSync = true
    }

    // MARK: - Answers

    private static func formatted(_ columns: [PGColumn], _ binary: [Bool]) -> [PGColumn] {
        columns.enumerated().map { index, column in
            var column = column
            column.binary = binary.count == 1 ? binary[0] : index < binary.count && binary[index]
            return column
        }
    }

    private func send(_ result: PGQueryResult, binary: [Bool], description: Bool) {
        if let notice = result.notice { writer.error(notice, severity: "WARNING") }
        if result.tag.isEmpty && result.columns == nil {
            writer.emptyQuery()
            return
        }
        if let columns = result.columns {
            guard columns.count <= Int(Int16.max) else {
                return writer.error(PGErrorFields(code: "54011", message: "a result of \(columns.count) columns is more than the protocol can describe (32767)"))
            }
            let formatted = Self.formatted(columns, binary)
            if description { writer.rowDescription(formatted) }
            for row in result.rows { writer.dataRow(row, columns: formatted) }
        }
        writer.commandComplete(result.tag)
    }

    private func readyForQuery() {
        writer.readyForQuery(session?.status ?? "I")
        server.publish(self, transaction: session?.session.transaction?.state, failed: session?.failed ?? false)
    }

    private func flush() {
        guard let channel, writer.buffer.readableBytes > 0 else { return }
        channel.writeAndFlush(writer.buffer, promise: nil)
        writer.buffer = channel.allocator.buffer(capacity: 256)
    }

    /// Reports `fields` and, for a protocol error or a refused login, closes this connection.
    fileprivate func fail(_ fields: PGErrorFields, fatal: Bool = true) {
        guard !closed, let channel else { return }
        writer.error(fields, severity: fatal ? "FATAL" : "ERROR")
        closed = true
        let buffer = writer.buffer
        writer.buffer = channel.allocator.buffer(capacity: 0)
        channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
    }
}

extension PGConnection {
    /// The server is stopping: the client is told, and its transaction rolls back on close.
    func closeFromServer() {
        queue.async {
            self.fail(PGErrorFields(code: "57P01", message: "terminating connection: the PostgreSQL listener was stopped"))
        }
    }
}
