import FoundationEssentials

/// A cookie to set, as a `Set-Cookie` header (RFC 6265).
///
/// ```swift
/// let session = try Cookie(name: "session", value: token, maxAge: 3600, secure: true, httpOnly: true, sameSite: .lax)
/// try await response.write(status: 200, headers: [session.header], body: "signed in\n")
/// ```
public struct Cookie: Sendable, Equatable, CustomStringConvertible {
    /// Whether browsers send the cookie with requests from other sites.
    public enum SameSite: String, Sendable {
        /// Only with requests from the cookie's own site.
        case strict = "Strict"
        /// Also with top-level navigations from other sites (browsers' default).
        case lax = "Lax"
        /// With every request (`SameSite=None`; not called `none`, which `nil` would shadow); needs `secure`.
        case noRestriction = "None"
    }

    /// The name: a token (letters, digits and ``!#$%&'*+-.^_`|~``).
    public let name: String
    /// The value: printable ASCII without spaces, `"`, `,`, `;` or `\` (encode anything else yourself).
    public let value: String
    /// `Path`: the path prefix the cookie is sent for.
    public let path: String?
    /// `Domain`: the domain (and its subdomains) the cookie is sent to; nil for this host only.
    public let domain: String?
    /// `Max-Age`: seconds until it expires (0 or less deletes it now).
    public let maxAge: Int?
    /// `Expires`: when it expires, for clients that ignore `Max-Age`.
    public let expires: Date?
    /// `Secure`: sent over HTTPS only.
    public let secure: Bool
    /// `HttpOnly`: hidden from scripts.
    public let httpOnly: Bool
    /// `SameSite`.
    public let sameSite: SameSite?

    /// A cookie; throws `RoutingError.invalidCookie` for a name, value, path or domain a `Set-Cookie`
    /// header cannot carry, and for `SameSite=None` without `secure` (which browsers refuse).
    public init(
        name: String, value: String, path: String? = "/", domain: String? = nil, maxAge: Int? = nil, expires: Date? = nil,
        secure: Bool = false, httpOnly: Bool = false, sameSite: SameSite? = nil
    ) throws {
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
            throw RoutingError.invalidCookie(name: name, reason: "the name must be a token (letters, digits, !#$%&'*+-.^_`|~)")
        }
        guard value.utf8.allSatisfy(Self.isValueByte) else {
            throw RoutingError.invalidCookie(
                name: name, reason: "the value may hold only printable ASCII without space, \", comma, ; or \\ (encode it first)")
        }
        for (attribute, text) in [("path", path), ("domain", domain)] {
            if let text, text.isEmpty || !text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ";") }) {
                throw RoutingError.invalidCookie(name: name, reason: "the \(attribute) must be non-empty printable ASCII without spaces or ;")
            }
        }
        if sameSite == .noRestriction, !secure {
            throw RoutingError.invalidCookie(name: name, reason: "SameSite=None needs secure: true (browsers refuse it otherwise)")
        }
        self.name = name
        self.value = value
        self.path = path
        self.domain = domain
        self.maxAge = maxAge
        self.expires = expires
        self.secure = secure
        self.httpOnly = httpOnly
        self.sameSite = sameSite
    }

    /// A cookie that deletes the client's cookie `name` (empty, `Max-Age=0`); give the same path and
    /// domain it was set with.
    public static func expired(name: String, path: String? = "/", domain: String? = nil) throws -> Cookie {
        try Cookie(name: name, value: "", path: path, domain: domain, maxAge: 0, expires: Date(timeIntervalSince1970: 0))
    }

    /// The `Set-Cookie` header value: `session=abc; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax`.
    public var description: String {
        var text = "\(name)=\(value)"
        if let path { text += "; Path=\(path)" }
        if let domain { text += "; Domain=\(domain)" }
        if let maxAge { text += "; Max-Age=\(max(0, maxAge))" }
        if let expires { text += "; Expires=\(IMFDate.format(expires))" }
        if secure { text += "; Secure" }
        if httpOnly { text += "; HttpOnly" }
        if let sameSite { text += "; SameSite=\(sameSite.rawValue)" }
        return text
    }

    /// The `Set-Cookie` header, to pass in a response's headers.
    public var header: (name: String, value: String) {
        ("Set-Cookie", description)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func isValueByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7f && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: ",")
            && byte != UInt8(ascii: ";") && byte != UInt8(ascii: "\\")
    }
}
