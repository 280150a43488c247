// `import HTTPDServiceLifecycle` brings `HTTPServer` and the rest of the core with it, so the
// README's example needs no second import.
@_exported import HTTPD
