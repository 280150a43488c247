#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPD
import HTTPDWebSocket

/// The demo's live routes: `/ws` (a WebSocket echo), `/events` (a Server-Sent Events clock) and
/// `/live` (a page that uses both and shows what arrives).
enum LiveDemo {
    /// The paths and their handlers.
    static var routes: [(path: String, handler: HTTPHandler)] {
        [("/ws", echo), ("/events", clock), ("/live", page)]
    }

    /// `/ws`: every message back as it came.
    static let echo: HTTPHandler = { request, response in
        try await response.webSocket(request) { ws in
            for try await message in ws.messages { try await ws.send(message) }
        }
    }

    /// `/events`: the time (UTC, ISO 8601) once a second, numbered from where a reconnecting client
    /// left off (`Last-Event-ID`).
    static let clock: HTTPHandler = { request, response in
        let first = (request.lastEventID.flatMap { Int($0) } ?? 0) + 1
        try await response.eventStream { events in
            for tick in first... {
                try await events.send(data: isoTime(), event: "tick", id: "\(tick)")
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// The time now as `2026-11-29T19:30:05Z`.
    static func isoTime() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// `/live`: the page.
    static let page: HTTPHandler = { _, response in
        try await response.write(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")], body: livePage)
    }

    static let livePage = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>swift-httpd live</title>
        <style>
        body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
        .panes { display: flex; gap: 2em; }
        section { flex: 1; border: 1px solid #ccc; border-radius: 6px; padding: 0 1em 1em; }
        ol { font-family: ui-monospace, monospace; font-size: 13px; }
        .status { color: #666; }
        .ok { color: #1a7f37; }
        </style>
        </head>
        <body>
        <h1>swift-httpd, live</h1>
        <div class="panes">
        <section>
        <h2>WebSocket <code>/ws</code></h2>
        <p id="ws-status" class="status">connecting…</p>
        <form id="ws-form"><input id="ws-text" value="hello, server" size="24"> <button>send</button></form>
        <ol id="ws-log"></ol>
        </section>
        <section>
        <h2>Server-Sent Events <code>/events</code></h2>
        <p id="sse-status" class="status">connecting…</p>
        <ol id="sse-log"></ol>
        </section>
        </div>
        <script>
        const log = (id, text) => {
          const item = document.createElement("li");
          item.textContent = text;
          document.getElementById(id).prepend(item);
        };
        const setStatus = (id, text, ok) => {
          const status = document.getElementById(id);
          status.textContent = text;
          status.className = ok ? "status ok" : "status";
        };
        let echoes = 0, ticks = 0, reported = false;
        // scripts/browser-check loads /live?check: once echoes and events arrived, the page says so
        // with a request the access log shows.
        const report = () => {
          if (location.search !== "?check" || reported || echoes < 3 || ticks < 2) return;
          reported = true;
          fetch("/live?arrived=" + echoes + "-echoes-" + ticks + "-events");
        };
        const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
        ws.onopen = () => {
          setStatus("ws-status", "open", true);
          for (let n = 1; n <= 3; n++) ws.send("message " + n);
        };
        ws.onmessage = (event) => {
          echoes++;
          log("ws-log", "echo: " + event.data);
          setStatus("ws-status", "open, " + echoes + " echoes", true);
          report();
        };
        ws.onclose = (event) => setStatus("ws-status", "closed (" + event.code + ")", false);
        document.getElementById("ws-form").onsubmit = (event) => {
          event.preventDefault();
          ws.send(document.getElementById("ws-text").value);
        };
        const events = new EventSource("/events");
        events.addEventListener("tick", (event) => {
          ticks++;
          log("sse-log", "#" + event.lastEventId + " " + event.data);
          setStatus("sse-status", "open, " + ticks + " events", true);
          report();
        });
        events.onerror = () => setStatus("sse-status", "reconnecting…", false);
        </script>
        </body>
        </html>

        """
}
