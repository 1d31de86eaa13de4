// # SQL: from the text a learner types to keys in storage
//
// Follow one statement, `UPDATE t SET n = n + 1 WHERE id = 3;`, typed into the REPL:
//
// 1. `ShellDriver.feed(line:)` (module Shell) collects lines until `StatementSplitter.split`
//    finds a `;` outside quotes and comments, and hands the statement to `Session.execute(_:)`.
// 2. `Session.parse` runs `Lexer` (text → tokens with positions) and `Parser.parse`
//    (tokens → `Statement`, the AST). A mistake here is a `SQLError(.syntax, …)` with the line
//    and column, which `SQLError.rendered(in:)` draws with a caret under it.
// 3. `Session.withTransaction` picks the transaction: the open one after BEGIN (with a
//    savepoint, so a failing statement undoes only itself), or a fresh one for this statement
//    alone — `Engine.beginReadOnly` for a SELECT, `Engine.beginStatement` for a write.
// 4. `Planner.plan` resolves names against the catalog (`Transaction.table`) and builds a
//    `Plan`: here Update ← Filter(id = 3) ← Scan(t). `Optimizer.optimize` runs the named passes
//    of `Optimizer.passes` in order, each a pure function plan → plan (ConstantFolding,
//    FilterPushdown, IndexLookup, HashJoin, ShortCircuit); IndexLookup turns the scan into a
//    primary-key lookup. `.explain steps` shows the plan after each pass.
// 5. `Executor.execute` pulls rows through a tree of cursors (the Volcano model: each node's
//    `next()` asks its child for a row) and calls the transaction: `Transaction.get` for the
//    row, then `Transaction.update` with the new row.
// 6. The transaction decides where the write goes. On `LocalEngine`, `LocalTransaction.update`
//    checks the constraints and writes `SQLKey.row(t, 3)` (and any index entries) through an
//    `MVCCTransaction` (module Storage), which versions the key and checks for conflicts,
//    down to the storage engine's ordered map (memory B-tree or BitCask log).
//    On a cluster, `RaftEngine`'s transaction (module Cluster) keeps the write as a
//    `Mutation`, sends the statement's mutations as one Raft log entry when it ends
//    (`Transaction.finishStatement`, or the commit of an autocommitted statement), and every
//    node applies that entry to its own `LocalEngine` with `Transaction.apply(_:)`.
// 7. The session commits (autocommit) and returns a `StatementResult` — here `.update(count: 1)`
//    — which the Shell draws in the current output mode.
