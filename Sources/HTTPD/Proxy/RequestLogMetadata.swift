import Logging

extension HTTPConnection {
    /// Says which client a message about `exchange`'s request is about: behind a PROXY header or a
    /// trusted proxy, the original client (`client`, as `HTTPRequest.client` has it) and the proxy the
    /// socket is connected to (`peer`); otherwise the connection's `logMetadata`. Worked out again only
    /// when a message is logged, so requests pay nothing for it.
    func logMetadata(for exchange: Exchange) -> Logger.Metadata {
        guard let origins = serverContext.origins,
            let origin = origins.origin(peer: client, peerPort: clientPort, fields: exchange.head.headers, connection: self)
        else { return logMetadata }
        return ["client": "\(origin.client):\(origin.clientPort ?? 0)", "peer": "\(client):\(clientPort ?? 0)"]
    }
}
