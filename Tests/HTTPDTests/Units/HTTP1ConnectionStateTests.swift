@testable import HTTPD
import Testing

/// The connection's decisions, without a socket: where request parts go, when to read, when to close.
@Suite("Units: HTTP/1.1 connection state")
struct HTTP1ConnectionStateTests {
    typealias State = HTTP1ConnectionState
    static let receivingUnread = State.ExchangeView(requestEnded: false, bodyWanted: false)
    static let receivingWanted = State.ExchangeView(requestEnded: false, bodyWanted: true)
    static let ended = State.ExchangeView(requestEnded: true, bodyWanted: false)

    @Test("parts go to the request in progress until it ends, then queue; a new request starts only when idle and writable")
    func routing() {
        let state = State()
        #expect(state.route(exchange: Self.receivingUnread, pendingIsEmpty: true, outputWritable: true) == .toExchange)
        #expect(state.route(exchange: Self.ended, pendingIsEmpty: true, outputWritable: true) == .queue)
        #expect(state.route(exchange: nil, pendingIsEmpty: false, outputWritable: true) == .queue)
        #expect(state.route(exchange: nil, pendingIsEmpty: true, outputWritable: false) == .queue)
        #expect(state.route(exchange: nil, pendingIsEmpty: true, outputWritable: true) == .start)
    }

    @Test("broken input and a closing connection drop what arrives")
    func dropping() {
        var broken = State()
        broken.inputBroke()
        #expect(broken.route(exchange: nil, pendingIsEmpty: true, outputWritable: true) == .drop)
        var closing = State()
        let r1 = closing.beginClosingAfterOutput()
        #expect(r1)
        #expect(closing.route(exchange: Self.receivingWanted, pendingIsEmpty: true, outputWritable: true) == .drop)
    }

    @Test("reads: only while the parts can be used; a closing connection reads to discard; a closed one never")
    func demand() {
        var state = State()
        #expect(state.wantsInput(exchange: nil, pendingIsEmpty: true, outputWritable: true))
        #expect(!state.wantsInput(exchange: nil, pendingIsEmpty: true, outputWritable: false), "answers not read: no new request")
        #expect(!state.wantsInput(exchange: nil, pendingIsEmpty: false, outputWritable: true), "requests already wait")
        #expect(!state.wantsInput(exchange: Self.receivingUnread, pendingIsEmpty: true, outputWritable: true))
        #expect(state.wantsInput(exchange: Self.receivingWanted, pendingIsEmpty: true, outputWritable: false))
        #expect(!state.wantsInput(exchange: Self.ended, pendingIsEmpty: true, outputWritable: true))
        let r2 = state.beginClosingAfterOutput()
        #expect(r2)
        #expect(state.wantsInput(exchange: nil, pendingIsEmpty: false, outputWritable: false))
        let r3 = state.outputFlushed()
        #expect(r3)
        #expect(state.phase == .lingering)
        #expect(state.wantsInput(exchange: nil, pendingIsEmpty: true, outputWritable: true))
        let r4 = state.closed()
        #expect(r4)
        #expect(!state.wantsInput(exchange: nil, pendingIsEmpty: true, outputWritable: true))
    }

    @Test("the phases only move forward: open → closing after output → lingering → closed")
    func phases() {
        var state = State()
        let r5 = state.outputFlushed()
        #expect(!r5, "not closing: nothing to flush for")
        let r6 = state.beginClosingAfterOutput()
        #expect(r6)
        let r7 = state.beginClosingAfterOutput()
        #expect(!r7)
        #expect(state.intake == .broken)
        let r8 = state.closed()
        #expect(r8)
        let r9 = state.closed()
        #expect(!r9)
        let r10 = state.outputFlushed()
        #expect(!r10)
        #expect(state.phase == .closed)
    }

    @Test("close reasons: the exchange's own first, then the connection's, then the request's and the response's")
    func closeReasons() {
        func reason(
            _ state: State, exchange: State.CloseReason? = nil, keepAlive: Bool = true, handler: Bool = false,
            untilClose: Bool = false, unread: Bool = false
        ) -> State.CloseReason? {
            state.closeReason(
                exchangeReason: exchange, keepAliveRequested: keepAlive, handlerAskedClose: handler,
                bodyUntilClose: untilClose, unreadExpectedBody: unread)
        }
        var state = State()
        #expect(reason(state) == nil)
        #expect(reason(state, keepAlive: false) == .clientAsked)
        #expect(reason(state, handler: true) == .handlerAsked)
        #expect(reason(state, untilClose: true) == .bodyUntilClose)
        #expect(reason(state, unread: true) == .unreadExpectedBody)
        #expect(reason(state, exchange: .upgradeRequested, keepAlive: false) == .upgradeRequested)
        state.beginDraining()
        #expect(state.intake == .draining)
        #expect(reason(state) == .serverStopping)
        state.inputBroke()
        state.beginDraining()
        #expect(state.intake == .broken, "draining does not mend broken input")
        #expect(reason(state) == .brokenRequest)
    }
}
