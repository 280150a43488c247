import HTTPD
import HTTPDRouting

/// admin.localhost gets the admin router; every other host the site.
func virtualHosts() throws -> VirtualHostMux {
    let site = Router(errors: .json)
    try siteRoutes(site)
    try cookieRoutes(site)
    let admin = Router(errors: .json)
    try adminRoutes(admin)
    return VirtualHostMux(
        ["admin.localhost": admin],
        default: site)
}
