#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOSSL

/// A certificate chain and its private key, as PEM files (RSA or ECDSA): the server's certificate
/// first in `chain`, then the intermediates.
public struct TLSCertificateFiles: Sendable, Hashable {
    /// The PEM file with the certificate chain, leaf first.
    public var chain: String
    /// The PEM file with the private key (PKCS#8, or traditional RSA/EC; not encrypted).
    public var key: String

    /// The chain in `chain` and the key in `key`.
    public init(chain: String, key: String) {
        self.chain = chain
        self.key = key
    }

    /// Reads and parses both files, and checks that the key belongs to the leaf certificate.
    func load() throws(HTTPDTLSError) -> LoadedCertificate {
        let chainBytes = try Self.readFile(chain)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(chainBytes)
        } catch {
            throw .invalidCertificate(path: chain, reason: "\(error)")
        }
        guard !certificates.isEmpty else { throw .invalidCertificate(path: chain, reason: "no BEGIN CERTIFICATE block") }
        let keyBytes = try Self.readFile(key)
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw .invalidPrivateKey(path: key, reason: "\(error)")
        }
        // BoringSSL checks the pair when both go into a context: the cheapest reliable match test.
        var probe = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        probe.minimumTLSVersion = .tlsv12
        do {
            _ = try NIOSSLContext(configuration: probe)
        } catch {
            throw .keyDoesNotMatchCertificate(keyPath: key, certificatePath: chain)
        }
        return LoadedCertificate(chain: certificates, key: privateKey)
    }

    /// The bytes of the file at `path`; throws `unreadableFile` with the system's reason.
    static func readFile(_ path: String) throws(HTTPDTLSError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = fread(&block, 1, block.count, file)
            if count > 0 { bytes.append(contentsOf: block[0..<count]) }
            if count < block.count {
                if ferror(file) != 0 { throw .unreadableFile(path: path, reason: String(cString: strerror(errno))) }
                break
            }
            guard bytes.count <= 1 << 20 else { throw .unreadableFile(path: path, reason: "larger than 1 MiB") }
        }
        return bytes
    }
}

/// A certificate chain and key that were read and checked.
struct LoadedCertificate: Sendable {
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
}
