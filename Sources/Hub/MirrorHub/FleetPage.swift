import Foundation
import MirrorCore
import MirrorProtocol
import Mustache

/// The fleet web page head office opens in a browser: server-rendered HTML (Mustache), no script, refreshing
/// itself every 30 s. Every value goes through Mustache's HTML escaping.
enum FleetPage {
    struct Row {
        var name: String
        var id: String
        var store: String
        var online: Bool
        var state: String
        var version: String
        var fps: String
        var dropped: String
        var disk: String
        var temperature: String
        var lastSync: String
        var alerts: [String]
    }

    struct Page {
        var generated: String
        var total: Int
        var online: Int
        var offline: Int
        var alerting: Int
        var stores: Int
        var rows: [Row]
        var empty: Bool
    }

    static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: source)
        } catch {
            preconditionFailure("the fleet page template does not parse: \(error)")
        }
    }()

    static func render(_ devices: [FleetDevice], now: Date = Date()) -> String {
        let time = DateFormatter()
        time.locale = Locale(identifier: "en_GB")
        time.timeZone = TimeZone(identifier: "UTC")
        time.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        let rows = devices.map { device in
            let t = device.online ? device.telemetry : nil
            return Row(
                name: device.name, id: device.id, store: device.storeId, online: device.online,
                state: device.online ? (device.alerts.isEmpty ? "ok" : "alert") : "offline",
                version: device.version ?? "–", fps: t.map { String(format: "%.1f", $0.camera.fps) } ?? "–",
                dropped: t.map { "\($0.camera.framesDropped)" } ?? "–",
                disk: t.map { String(format: "%.1f GiB", Double($0.diskFreeBytes) / 1_073_741_824) } ?? "–",
                temperature: t?.temperatureCelsius.map { "\(Int($0.rounded())) °C" } ?? "–",
                lastSync: device.lastSeen.map(ago(now)) ?? "never", alerts: device.alerts)
        }
        let page = Page(
            generated: time.string(from: now), total: devices.count, online: devices.filter(\.online).count,
            offline: devices.filter { !$0.online }.count,
            alerting: devices.filter { !$0.alerts.isEmpty }.count, stores: Set(devices.map(\.storeId)).count,
            rows: rows, empty: devices.isEmpty)
        return template.render(page)
    }

    static func ago(_ now: Date) -> (Date) -> String {
        { date in
            let seconds = Int(now.timeIntervalSince(date))
            switch seconds {
            case ..<60: return "just now"
            case ..<3600: return "\(seconds / 60) min ago"
            case ..<86400: return "\(seconds / 3600) h ago"
            default: return "\(seconds / 86400) d ago"
            }
        }
    }

    static let source = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="refresh" content="30">
        <title>Mirror fleet</title>
        <style>
        body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; background: #fafafa; }
        h1 { font-weight: 600; margin: 0 0 .25rem; }
        .summary { display: flex; gap: 1rem; margin: 1rem 0 1.5rem; }
        .tile { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: .6rem 1rem; min-width: 7rem; }
        .tile b { display: block; font-size: 1.6rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #eee; vertical-align: top; }
        td.n { white-space: nowrap; }
        th { background: #f0f0f2; font-weight: 600; }
        .state { font-weight: 600; }
        .ok { color: #1a7f37; } .alert { color: #b35900; } .offline { color: #c62828; }
        .id { color: #777; font-size: 12px; }
        ul { margin: 0; padding-left: 1.1rem; }
        nav { display: flex; gap: .25rem; margin: -1rem 0 .75rem; }
        nav a { padding: .3rem .8rem; border-radius: 999px; color: #374151; text-decoration: none; font-weight: 600; }
        nav a[aria-current] { background: #1d1d1f; color: #fff; }
        </style>
        </head>
        <body>
        <nav><a href="/fleet" aria-current="page">Fleet</a><a href="/insights">Insights</a></nav>
        <h1>Mirror fleet</h1>
        <div class="id">As of {{generated}}; this page refreshes every 30 s.</div>
        <div class="summary">
        <div class="tile" id="total"><b>{{total}}</b>mirrors</div>
        <div class="tile" id="online"><b>{{online}}</b>online</div>
        <div class="tile" id="offline"><b>{{offline}}</b>offline</div>
        <div class="tile" id="alerting"><b>{{alerting}}</b>need a look</div>
        <div class="tile"><b>{{stores}}</b>stores</div>
        </div>
        {{#empty}}<p>No mirror is enrolled yet: make an enrolment token for a store and enrol one.</p>{{/empty}}
        {{^empty}}
        <table id="fleet">
        <thead><tr><th>Mirror</th><th>Store</th><th>State</th><th>Version</th><th>Camera fps</th>
        <th>Dropped</th><th>Disk free</th><th>Temp.</th><th>Last sync</th><th>Alerts</th></tr></thead>
        <tbody>
        {{#rows}}
        <tr data-device="{{id}}"><td>{{name}}<div class="id">{{id}}</div></td><td class="n">{{store}}</td>
        <td class="state {{state}}">{{state}}</td><td class="n">{{version}}</td><td class="n">{{fps}}</td>
        <td class="n">{{dropped}}</td><td class="n">{{disk}}</td><td class="n">{{temperature}}</td>
        <td class="n">{{lastSync}}</td>
        <td>{{#alerts.first}}<ul>{{/alerts.first}}{{#alerts}}<li>{{.}}</li>{{/alerts}}{{#alerts.first}}</ul>{{/alerts.first}}</td></tr>
        {{/rows}}
        </tbody>
        </table>
        {{/empty}}
        </body>
        </html>

        """
}
