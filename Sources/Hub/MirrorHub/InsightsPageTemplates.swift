/// The insights page's Mustache templates.
extension InsightsPage {
    // MARK: Templates

    /// A figure, or "fewer than k" in the withheld style.
    static let cellSource = """
        {{#withheld}}<span class="fewer">{{text}}</span>{{/withheld}}{{^withheld}}{{text}}{{/withheld}}\
        {{#unit}}<small>{{.}}</small>{{/unit}}
        """

    static let columnsSource = """
        <svg class="chart" width="{{width}}" height="{{height}}" viewBox="0 0 {{width}} {{height}}" \
        style="min-width: {{minWidth}}px" role="img" aria-label="{{label}}">
        <line x1="0" x2="{{width}}" y1="{{baseline}}" y2="{{baseline}}" class="base"/>
        {{#columns}}{{#bars}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" rx="2" class="{{tone}}">\
        <title>{{title}}</title></rect>
        <text x="{{center}}" y="{{labelY}}" class="val{{#withheld}} few{{/withheld}}">\
        {{#twoLines}}<tspan x="{{center}}" dy="-1.1em">{{text}}</tspan><tspan x="{{center}}" dy="1.1em">{{second}}</tspan>\
        {{/twoLines}}{{^twoLines}}{{text}}{{/twoLines}}</text>
        {{/bars}}<text x="{{center}}" y="{{line1Y}}" class="tick">{{line1}}</text>\
        <text x="{{center}}" y="{{line2Y}}" class="tick sub">{{line2}}</text>
        {{/columns}}</svg>
        """

    static let source = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Insights · {{title}}</title>
        <style>
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d1d1f;
          background: #f4f5f7; }
        main { max-width: 1260px; margin: 0 auto; padding: 1rem 1.25rem 2.5rem; }
        nav { display: flex; gap: .25rem; margin-bottom: .75rem; }
        nav a { padding: .3rem .8rem; border-radius: 999px; color: #374151; text-decoration: none; font-weight: 600; }
        nav a[aria-current] { background: #1d1d1f; color: #fff; }
        nav a:hover { background: #e5e7eb; }
        nav a[aria-current]:hover { background: #1d1d1f; }
        h1 { font-size: 1.9rem; font-weight: 650; margin: 0; }
        h1 small { font-size: .9rem; font-weight: 400; color: #6b7280; margin-left: .4rem; }
        h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
        h3 { font-size: .95rem; margin: .2rem 0 .3rem; color: #374151; }
        .range { font-size: 1.1rem; margin: .15rem 0; }
        .muted, .rules { color: #6b7280; font-size: .85rem; }
        form { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin: .9rem 0 .4rem;
          padding: .75rem .9rem; background: #fff; border: 1px solid #e3e4e8; border-radius: 10px; }
        label { display: flex; flex-direction: column; font-size: .8rem; color: #4b5563; gap: .15rem; }
        select, input, button { font: inherit; padding: .35rem .5rem; border: 1px solid #c9ccd3; border-radius: 6px;
          background: #fff; color: #1d1d1f; min-height: 2.2rem; }
        button { background: #1d4ed8; border-color: #1d4ed8; color: #fff; font-weight: 600; padding: .35rem 1.1rem; }
        .quick { display: flex; flex-wrap: wrap; gap: .4rem; margin: .3rem 0 1rem; font-size: .85rem; }
        .quick a { color: #1d4ed8; text-decoration: none; padding: .15rem .6rem; border: 1px solid #c7d2fe;
          border-radius: 999px; background: #fff; }
        .quick a[aria-current] { background: #1d4ed8; color: #fff; border-color: #1d4ed8; }
        .error { background: #fef2f2; border: 1px solid #fca5a5; color: #991b1b; padding: .7rem 1rem;
          border-radius: 10px; }
        .card { background: #fff; border: 1px solid #e3e4e8; border-radius: 12px; padding: 1rem 1.1rem;
          margin-bottom: 1rem; min-width: 0; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 380px), 1fr)); gap: 1rem;
          align-items: start; }
        .grid > .card { margin-bottom: 0; }
        .row { margin-bottom: 1rem; }
        .split { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: start; }
        .split > .tiles.two { flex: 0 1 23rem; grid-template-columns: repeat(2, minmax(0, 1fr)); }
        .split > .grow { flex: 1 1 20rem; min-width: 0; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: .6rem; }
        .tile { border: 1px solid #eceef1; background: #fafbfc; border-radius: 10px; padding: .55rem .75rem; }
        .tile b { display: block; font-size: 1.9rem; font-weight: 650; line-height: 1.15; white-space: nowrap; }
        .tile b .fewer { font-size: 1.05rem; line-height: 2.2rem; }
        .tile b small { font-size: .95rem; font-weight: 600; margin-left: .15rem; color: #4b5563; }
        .tile span { display: block; font-weight: 600; font-size: .85rem; }
        .tile i { display: block; font-style: normal; color: #6b7280; font-size: .75rem; }
        .fewer { color: #6b7280; font-style: italic; font-weight: 500; white-space: nowrap; }
        .kinds { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 260px), 1fr));
          gap: .4rem 1.4rem; }
        svg { display: block; overflow: visible; }
        svg.chart { max-width: 100%; height: auto; }
        svg text { font-size: 12px; fill: #1d1d1f; }
        svg .stage { font-weight: 600; }
        svg .num { font-weight: 700; }
        svg .rate, svg .tick.sub { fill: #6b7280; }
        svg .few { fill: #6b7280; font-style: italic; font-size: 10.5px; }
        svg .val { text-anchor: middle; font-size: 11px; font-weight: 600; }
        svg .tick { text-anchor: middle; font-size: 11px; }
        svg .axis { font-size: 11px; fill: #6b7280; text-anchor: end; }
        .track { fill: #eef0f3; }
        .base, .gridline { stroke: #d1d5db; stroke-width: 1; }
        .gridline { stroke-dasharray: 3 3; }
        .hatch { fill: url(#hatch); stroke: #9ca3af; stroke-width: .6; }
        .shown { fill: #93c5fd; } .tapped { fill: #3b82f6; } .brought { fill: #1d4ed8; } .bought { fill: #16a34a; }
        .visits { fill: #2563eb; } .tryons { fill: #7c3aed; } .requests { fill: #d97706; }
        .p50 { fill: #0f766e; } .p95 { fill: #5eead4; }
        .face1 { fill: #dc2626; } .face2 { fill: #f97316; } .face3 { fill: #eab308; } .face4 { fill: #84cc16; }
        .face5 { fill: #16a34a; }
        .line { fill: none; stroke: #7c3aed; stroke-width: 2.5; }
        .dot { fill: #7c3aed; stroke: #fff; stroke-width: 2; }
        .legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; font-size: .8rem; color: #4b5563;
          margin: .1rem 0 .4rem; }
        .key { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -.1rem;
          margin-right: .3rem; }
        .key.p50 { background: #0f766e; } .key.p95 { background: #5eead4; }
        .key.hatch { background: repeating-linear-gradient(45deg, #f3f4f6 0 3px, #b6bcc6 3px 4px);
          border: 1px solid #9ca3af; }
        .scroll { overflow-x: auto; padding-bottom: .2rem; }
        .charts { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
        .charts > div { min-width: 0; max-width: 100%; }
        table { border-collapse: collapse; width: 100%; font-size: .9rem; }
        th, td { text-align: left; padding: .4rem .45rem; border-bottom: 1px solid #eef0f3; }
        td .fewer { font-size: .82rem; }
        th { font-size: .78rem; color: #4b5563; font-weight: 600; background: #f7f8fa; }
        td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        td.sku { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .82rem;
          white-space: nowrap; }
        @media (min-width: 1000px) { .grid.tables { grid-template-columns: 5fr 4fr; } }
        .flag { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .78rem;
          font-weight: 600; white-space: nowrap; }
        .flag.small { background: #fee2e2; color: #991b1b; } .flag.large { background: #dbeafe; color: #1e3a8a; }
        .share { display: flex; align-items: center; gap: .4rem; min-width: 7rem; }
        .share svg { flex: 1; min-width: 0; }
        .share .bar { fill: #16a34a; }
        .note { color: #6b7280; font-size: .8rem; margin: .5rem 0 0; }
        footer { color: #6b7280; font-size: .8rem; margin-top: 1rem; }
        @media (max-width: 640px) {
          main { padding: .75rem .7rem 2rem; }
          h1 { font-size: 1.5rem; }
          .tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); }
          .tile b { font-size: 1.5rem; }
          form { gap: .5rem; }
          form label { flex: 1 1 40%; }
          .hide-narrow, table.cards td.hide-narrow { display: none; }
          table.cards thead { display: none; }
          table.cards, table.cards tbody, table.cards td { display: block; }
          table.cards tr { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .15rem .6rem;
            padding: .45rem 0; border-bottom: 1px solid #eef0f3; }
          table.cards td { border: 0; padding: 0; text-align: left; }
          table.cards td.wide { grid-column: 1 / -1; }
          table.cards td.two { grid-column: span 2; }
          table.cards td[data-label]::before { content: attr(data-label); display: block; font-size: .72rem;
            color: #6b7280; font-family: system-ui, sans-serif; }
          table.cards td.inline::before { display: inline; margin-right: .35rem; }
          table.cards td.sku { font-weight: 600; font-size: .9rem; }
        }
        </style>
        </head>
        <body>
        <svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
        <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#f3f4f6"/><rect width="1.6" height="6" fill="#b6bcc6"/></pattern>
        </defs></svg>
        <main>
        <nav><a href="/fleet">Fleet</a><a href="/insights" aria-current="page">Insights</a></nav>
        <header>
        <h1>{{storeLine}}{{#storeId}}<small>{{.}}</small>{{/storeId}}</h1>
        <div class="range">{{rangeLine}}</div>
        <div class="rules">{{rules}}</div>
        </header>
        <form method="get" action="/insights">
        <label>Store<select name="store">{{#stores}}<option value="{{value}}"{{#selected}} selected{{/selected}}>\
        {{label}}</option>{{/stores}}</select></label>
        <label>From<input type="date" name="from" value="{{from}}" required></label>
        <label>To<input type="date" name="to" value="{{to}}" required></label>
        <label>Series per<select name="step">{{#steps}}<option value="{{value}}"{{#selected}} selected{{/selected}}>\
        {{label}}</option>{{/steps}}</select></label>
        {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
        <button type="submit">Show</button>
        </form>
        <div class="quick">{{#quick}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>\
        {{/quick}}</div>
        {{#error}}<p class="error" id="error">{{.}}</p>{{/error}}
        {{#body}}
        {{#unzoned}}<p class="error" id="unzoned">{{.}}</p>{{/unzoned}}
        <section class="card" id="visits">
        <h2>Visits</h2>
        <div class="tiles">{{#visitTiles}}<div class="tile"><b>{{#value}}{{>cell}}{{/value}}</b><span>{{label}}</span><i>{{note}}</i></div>\
        {{/visitTiles}}</div>
        </section>
        <div class="grid row">
        <section class="card" id="funnel">
        <h2>Suggestions: shown → tapped → brought → bought</h2>
        {{#funnelEmpty}}<p class="muted">No suggestion kind was shown in {{k}} visits or more.</p>{{/funnelEmpty}}
        <div class="kinds">
        {{#funnel}}<div class="kind"><h3>{{name}}</h3>
        <svg width="100%" height="{{height}}" role="img" aria-label="{{description}}">
        {{#stages}}<text x="0" y="{{textY}}" class="stage">{{label}}</text>\
        <text x="100%" y="{{textY}}" text-anchor="end"><tspan class="rate">{{rate}} </tspan>\
        {{#value.withheld}}<tspan class="few">{{value.text}}</tspan>{{/value.withheld}}\
        {{^value.withheld}}<tspan class="num">{{value.text}}</tspan>{{/value.withheld}}</text>
        <rect x="0" y="{{barY}}" width="100%" height="13" rx="3" class="track"/>\
        <rect x="0" y="{{barY}}" width="{{width}}" height="13" rx="3" class="{{tone}}"/>
        {{/stages}}</svg></div>
        {{/funnel}}
        </div>
        </section>
        <section class="card" id="rating">
        <h2>How shoppers rated their visit</h2>
        <div class="tiles">{{#ratingTiles}}<div class="tile"><b>{{#value}}{{>cell}}{{/value}}</b><span>{{label}}</span><i>{{note}}</i></div>\
        {{/ratingTiles}}</div>
        <div class="charts">
        {{#faces}}<div><h3>Each face's share</h3><div class="scroll">{{>columns}}</div></div>{{/faces}}
        {{^faces}}<p class="muted">The faces' shares need {{k}} ratings or more.</p>{{/faces}}
        {{#weeks}}<div><h3>Average per week</h3><div class="scroll">
        <svg class="chart" width="{{width}}" height="{{height}}" role="img" aria-label="{{label}}">
        {{#grid}}<line x1="30" x2="{{right}}" y1="{{y}}" y2="{{y}}" class="gridline"/>\
        <text x="24" y="{{y}}" dy="4" class="axis">{{label}}</text>
        {{/grid}}<polyline points="{{points}}" class="line"/>
        {{#dots}}<circle cx="{{x}}" cy="{{y}}" r="5" class="dot"/><text x="{{x}}" y="{{labelY}}" class="val">{{text}}</text>\
        <text x="{{x}}" y="{{line1Y}}" class="tick">{{line1}}</text><text x="{{x}}" y="{{line2Y}}" class="tick sub">\
        {{line2}}</text>
        {{/dots}}</svg></div></div>{{/weeks}}
        {{^weeks}}<p class="muted">No week has {{k}} ratings yet.</p>{{/weeks}}
        </div>
        </section>
        </div>
        <div class="grid row tables">
        <section class="card" id="try-ons">
        <h2>Tried on, and bought within {{window}} min</h2>
        {{#tryOnsEmpty}}<p class="muted">No garment was tried on in {{k}} visits or more.</p>{{/tryOnsEmpty}}
        {{^tryOnsEmpty}}<div class="scroll"><table class="cards">
        <thead><tr><th>SKU</th><th>Size</th><th class="n">Tried</th><th class="n">Bought</th><th class="n">Other size</th><th class="n">Not bought</th>
        <th>Bought share</th><th class="n hide-narrow">Scanned /<br>recognised</th></tr></thead>
        <tbody>
        {{#tryOns}}<tr><td class="sku two">{{sku}}</td><td class="inline" data-label="Size">{{size}}</td>\
        <td class="n" data-label="Tried">{{tried}}</td>\
        <td class="n" data-label="Bought">{{#bought}}{{>cell}}{{/bought}}</td>\
        <td class="n" data-label="Bought in another size">{{#otherSize}}{{>cell}}{{/otherSize}}</td>\
        <td class="n" data-label="Not bought">{{#notBought}}{{>cell}}{{/notBought}}</td><td class="wide">{{#hasShare}}<div class="share"><svg width="100%" height="10"><rect width="100%" height="10" rx="2" \
        class="track"/><rect width="{{shareWidth}}" height="10" rx="2" class="bar"/></svg>{{share}}</div>{{/hasShare}}\
        </td><td class="n hide-narrow">{{#scanned}}{{>cell}}{{/scanned}} / {{#recognised}}{{>cell}}{{/recognised}}</td></tr>
        {{/tryOns}}
        </tbody></table></div>{{/tryOnsEmpty}}
        {{#tryOnsMore}}<p class="note">{{.}}</p>{{/tryOnsMore}}
        </section>
        <section class="card" id="size-swaps">
        <h2>Size swaps: asked for another size</h2>
        {{#sizeSwapsEmpty}}<p class="muted">No garment had a size swap in {{k}} visits or more.</p>{{/sizeSwapsEmpty}}
        {{^sizeSwapsEmpty}}<div class="scroll"><table class="cards">
        <thead><tr><th>SKU</th><th class="n">Requests</th><th class="n">Larger</th><th class="n">Smaller</th>
        <th>Fit</th></tr></thead>
        <tbody>
        {{#sizeSwaps}}<tr><td class="sku two">{{sku}}</td>\
        <td class="n inline" data-label="Requests">{{requests}}</td>\
        <td class="n" data-label="Larger">{{#up}}{{>cell}}{{/up}}</td>\
        <td class="n" data-label="Smaller">{{#down}}{{>cell}}{{/down}}</td><td>{{#flag}}<span class="flag {{flagClass}}">{{.}}</span>{{/flag}}</td></tr>
        {{/sizeSwaps}}
        </tbody></table></div>{{/sizeSwapsEmpty}}
        {{#sizeSwapsMore}}<p class="note">{{.}}</p>{{/sizeSwapsMore}}
        <p class="note">Runs small: at least 3 asked for a larger size, twice as many as for a smaller one.</p>
        </section>
        </div>
        <section class="card" id="staff">
        <h2>Staff requests</h2>
        <div class="split"><div class="tiles two">{{#staffTiles}}<div class="tile"><b>{{#value}}{{>cell}}{{/value}}</b>\
        <span>{{label}}</span><i>{{note}}</i></div>{{/staffTiles}}</div>
        <div class="grow">{{#hours}}<h3>Answer time by hour of the day (the store's), minutes:seconds</h3>
        <div class="legend"><span><i class="key p50"></i>median</span><span><i class="key p95"></i>19 in 20 within</span>\
        <span>under each hour: requests answered</span></div>
        <div class="scroll">{{>columns}}</div>{{/hours}}
        {{^hours}}<p class="muted">No hour of the day has {{k}} answered visits yet.</p>{{/hours}}</div></div>
        </section>
        <section class="card" id="series">
        <h2>{{seriesTitle}}</h2>
        {{#seriesWithheld}}<div class="legend"><span><i class="key hatch"></i>fewer than {{k}} visits: withheld</span>\
        </div>{{/seriesWithheld}}
        <div class="charts">{{#series}}<div><h3>{{title}}</h3><div class="scroll">{{#chart}}{{>columns}}{{/chart}}</div>\
        </div>{{/series}}</div>
        </section>
        {{/body}}
        <footer>{{#body}}{{#withheld}}<p>{{.}}</p>{{/withheld}}{{/body}}<p>No figure names a shopper, a visit or a clip. \
        The same figures: GET /v1/insights, mirrorhub insights, mirrorctl insights.</p></footer>
        </main>
        </body>
        </html>

        """
}
