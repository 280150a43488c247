@testable import HTTPD
import NIOCore
import Testing

/// The request body's record, without a socket: what the handler gets, when the request has ended.
@Suite("Units: request body")
struct RequestBodyTests {
    static func part(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test("a request without a body: the handler gets nil at once, the request ends when its end is seen")
    func noBody() throws {
        var body = RequestBody(limit: 10, declared: false)
        #expect(try body.outcome?.get() == .some(nil))
        #expect(!body.isEnded)
        body.finish()
        #expect(body.isEnded)
    }

    @Test("Content-Length: 0 is an empty body, known at once")
    func emptyBody() throws {
        let body = RequestBody(limit: 10, declared: true, expectedLength: 0)
        #expect(try body.outcome?.get() == .some([]))
    }

    @Test("parts are collected up to the limit; over it the body fails with requestBodyTooLarge")
    func limit() {
        var body = RequestBody(limit: 5, declared: true)
        #expect(body.outcome == nil)
        let r1 = body.append(Self.part("abc"))
        #expect(r1)
        let r2 = body.append(Self.part("def"))
        #expect(!r2)
        guard case .failure(.requestBodyTooLarge(limit: 5))? = body.outcome else {
            Issue.record("expected requestBodyTooLarge, got \(String(describing: body.outcome))")
            return
        }
        #expect(body.isEnded)
    }

    @Test("a complete body is what arrived; skipped parts are counted, not kept")
    func complete() throws {
        var body = RequestBody(limit: 100, declared: true)
        let r3 = body.append(Self.part("hello "))
        #expect(r3)
        body.destination = .skipped
        let r4 = body.append(Self.part("world"))
        #expect(r4)
        body.finish()
        #expect(try body.outcome?.get() == Array("hello ".utf8))
        #expect(body.received == 11)
    }

    @Test("failing or abandoning ends the request once; later calls change nothing")
    func ending() {
        var body = RequestBody(limit: 100, declared: true)
        body.abandon()
        body.fail(.malformedRequestBody)
        body.finish()
        guard case .failure(.connectionClosed)? = body.outcome else {
            Issue.record("expected connectionClosed, got \(String(describing: body.outcome))")
            return
        }
    }

    @Test("chunk framing: each part of data allows its allowance of framing, plus one for the end")
    func framing() {
        var body = RequestBody(limit: 100, declared: true)
        #expect(body.framingIsBounded(rawBytes: 100, allowance: 100))
        #expect(!body.framingIsBounded(rawBytes: 101, allowance: 100))
        let r5 = body.append(Self.part("x"))
        #expect(r5)
        #expect(body.framingIsBounded(rawBytes: 201, allowance: 100))
        #expect(!body.framingIsBounded(rawBytes: 202, allowance: 100))
    }
}
