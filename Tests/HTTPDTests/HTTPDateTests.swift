@testable import HTTPD
import Testing

/// Two-digit years of RFC 850 dates (RFC 9110 §5.6.7): more than 50 years ahead means the last century.
@Suite("HTTP dates")
struct HTTPDateTests {
    /// 2026-11-29, as seconds since 1970.
    static let now: Int64 = 1_795_910_400

    @Test("two-digit years within 50 years ahead are this century's, later ones the last century's")
    func twoDigitYears() {
        #expect(HTTPDate.fullYear(twoDigits: 26, now: Self.now) == 2026)
        #expect(HTTPDate.fullYear(twoDigits: 70, now: Self.now) == 2070)
        #expect(HTTPDate.fullYear(twoDigits: 76, now: Self.now) == 2076)
        #expect(HTTPDate.fullYear(twoDigits: 77, now: Self.now) == 1977)
        #expect(HTTPDate.fullYear(twoDigits: 94, now: Self.now) == 1994)
        #expect(HTTPDate.fullYear(twoDigits: 0, now: Self.now) == 2000)
    }

    @Test("an RFC 850 date parses to the same instant as its IMF-fixdate")
    func rfc850() {
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"))
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
    }
}
