#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTP dates (RFC 9110 §5.6.7): seconds since the epoch to and from header text.
enum HTTPDate {
    /// `seconds` as an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func format(_ seconds: Int64) -> String {
        DateHeaderCache.format(time_t(seconds))
    }

    /// The seconds since the epoch of an HTTP date in any of the three formats a recipient must accept:
    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and
    /// asctime (`Sun Nov  6 08:49:37 1994`); nil for anything else.
    static func parse(_ text: String) -> Int64? {
        let separators: Set<Character> = [" ", ",", "-", ":", "\t"]
        let tokens = text.split(whereSeparator: { separators.contains($0) })
        let day: Int64, month: Int64, year: Int64, clock: ArraySlice<Substring>
        if tokens.count == 8, tokens[7] == "GMT", let m = monthNumber(tokens[2]) {
            // IMF-fixdate or RFC 850: weekday, day, month, year, hh, mm, ss, GMT
            guard let d = Int64(tokens[1]), var y = Int64(tokens[3]) else { return nil }
            if tokens[3].count == 2 {
                y = fullYear(twoDigits: y, now: Int64(time(nil)))
            } else if tokens[3].count != 4 {
                return nil
            }
            (day, month, year, clock) = (d, m, y, tokens[4...6])
        } else if tokens.count == 7, let m = monthNumber(tokens[1]) {
            // asctime: weekday, month, day, hh, mm, ss, year
            guard let d = Int64(tokens[2]), tokens[6].count == 4, let y = Int64(tokens[6]) else { return nil }
            (day, month, year, clock) = (d, m, y, tokens[3...5])
        } else {
            return nil
        }
        guard clock.allSatisfy({ $0.count == 2 }),
            let hour = Int64(clock[clock.startIndex]), let minute = Int64(clock[clock.startIndex + 1]),
            let second = Int64(clock[clock.startIndex + 2]),
            (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthNumber(_ token: Substring) -> Int64? {
        months.firstIndex(of: token.lowercased()).map { Int64($0) + 1 }
    }

    /// The year an RFC 850 date's two digits stand for: this century's, unless that is more than 50
    /// years ahead of `now` (seconds since 1970), then the last century's (RFC 9110 §5.6.7).
    static func fullYear(twoDigits: Int64, now: Int64) -> Int64 {
        let currentYear = 1970 + now / 31_556_952  // mean Gregorian year in seconds: exact enough here
        let candidate = currentYear - currentYear % 100 + twoDigits
        return candidate > currentYear + 50 ? candidate - 100 : candidate
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
