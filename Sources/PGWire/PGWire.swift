/// # PGWire: the PostgreSQL frontend/backend protocol, version 3
///
/// psql, psycopg, JDBC and asyncpg all speak one protocol to PostgreSQL, so a database that
/// speaks it too gets every one of them for free. The protocol is a conversation of typed
/// messages over TCP: one type byte, a 4-byte big-endian length (which counts itself), a body.
/// Only the very first message of a connection — the *startup packet* — has no type byte.
///
/// A connection goes through three phases:
///
/// 1. **Startup.** The client may first ask for TLS (`SSLRequest`); we answer `N` (no) and it
///    carries on in plain text. The startup packet names the user and database; we answer with
///    authentication (trust on loopback, or a password), the `ParameterStatus` values drivers
///    read (server_version, client_encoding…), the key that lets another connection cancel this
///    one's running statement (`BackendKeyData`), and `ReadyForQuery`.
/// 2. **Queries.** The *simple* protocol sends SQL text (several statements at once) and gets
///    rows back as text. The *extended* protocol splits a statement into steps — Parse (with
///    `$1` placeholders), Bind (the parameters' values), Describe, Execute, Sync — which is what
///    drivers use to keep values apart from SQL text.
/// 3. **Errors.** An `ErrorResponse` carries a SQLSTATE code (`42P01` undefined table, `40001`
///    serialization failure…), the message, and the position in the statement: drivers turn the
///    code into exception classes, and retry on `40001`.
///
/// Every `ReadyForQuery` says whether the session is idle, in a transaction, or in a *failed*
/// transaction: after an error inside BEGIN, PostgreSQL ignores everything until ROLLBACK, and
/// clients rely on that, so a connection here keeps the same rule even though Cutaway's own
/// sessions let a transaction carry on after a failed statement.
///
/// Each connection is one `Session` on the database the server was given, run on a serial
/// queue of its own so a slow statement never blocks the event loop or another client.
enum PGWireModule {}
