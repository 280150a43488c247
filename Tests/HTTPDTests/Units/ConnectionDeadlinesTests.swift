@testable import HTTPD
import NIOCore
import Testing

/// The connection's timeout rules, driven by a fake clock: no socket, no timer, microseconds per test.
@Suite("Units: connection deadlines")
struct ConnectionDeadlinesTests {
    /// A moment `seconds` after an arbitrary origin.
    static func at(_ seconds: Double) -> NIODeadline {
        .uptimeNanoseconds(1_000_000_000_000 + UInt64(seconds * 1e9))
    }

    static func deadlines() -> ConnectionDeadlines {
        ConnectionDeadlines(requestTimeout: .seconds(60), responseTimeout: .seconds(120))
    }

    @Test("nothing watched: no deadline, nothing expires")
    func idle() {
        var deadlines = Self.deadlines()
        #expect(deadlines.nextDeadline == nil)
        #expect(deadlines.expire(at: Self.at(10_000)).isEmpty)
    }

    @Test("a head must arrive within the request timeout of the wait's start; trickling does not extend it")
    func head() {
        var deadlines = Self.deadlines()
        deadlines.start(.head, at: Self.at(0))
        #expect(deadlines.nextDeadline == Self.at(60))
        #expect(deadlines.expire(at: Self.at(59.999)).isEmpty)
        #expect(deadlines.expire(at: Self.at(60)) == [.head])
        #expect(!deadlines.isWatching(.head))
        #expect(deadlines.nextDeadline == nil)
    }

    @Test("each body part restarts the body wait; a stall of the request timeout expires it")
    func body() {
        var deadlines = Self.deadlines()
        deadlines.start(.body, at: Self.at(0))
        deadlines.start(.body, at: Self.at(50))  // a part arrived
        #expect(deadlines.expire(at: Self.at(100)).isEmpty)
        #expect(deadlines.expire(at: Self.at(110)) == [.body])
    }

    @Test("response progress restarts the response wait, which uses the response timeout")
    func response() {
        var deadlines = Self.deadlines()
        deadlines.start(.response, at: Self.at(0))
        #expect(deadlines.nextDeadline == Self.at(120))
        deadlines.start(.response, at: Self.at(100))
        #expect(deadlines.expire(at: Self.at(200)).isEmpty)
        #expect(deadlines.expire(at: Self.at(220)) == [.response])
    }

    @Test("the next deadline is the earliest watched one; several expire together in order")
    func several() {
        var deadlines = Self.deadlines()
        deadlines.start(.response, at: Self.at(0))
        deadlines.start(.body, at: Self.at(30))
        deadlines.start(.head, at: Self.at(70))
        #expect(deadlines.nextDeadline == Self.at(90))
        #expect(deadlines.expire(at: Self.at(200)) == [.head, .body, .response])
    }

    @Test("a stopped wait never expires; stopAll ends every wait for good")
    func stopping() {
        var deadlines = Self.deadlines()
        deadlines.start(.head, at: Self.at(0))
        deadlines.stop(.head)
        #expect(deadlines.expire(at: Self.at(100)).isEmpty)
        deadlines.start(.response, at: Self.at(0))
        deadlines.stopAll()
        deadlines.start(.body, at: Self.at(1))
        #expect(deadlines.nextDeadline == nil)
        #expect(deadlines.expire(at: Self.at(1000)).isEmpty)
    }

    @Test("changing a timeout moves the deadline of a wait already running")
    func changedTimeout() {
        var deadlines = Self.deadlines()
        deadlines.start(.head, at: Self.at(0))
        deadlines.requestTimeout = .seconds(5)
        #expect(deadlines.nextDeadline == Self.at(5))
        #expect(deadlines.expire(at: Self.at(5)) == [.head])
    }
}
