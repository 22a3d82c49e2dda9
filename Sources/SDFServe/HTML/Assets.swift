/// The viewer's stylesheet and script, compiled in and served from `/assets/` (same origin, so the
/// Content-Security-Policy needs no inline allowance).
enum Assets {
    /// `/assets/app.css`: the base rules plus generated width and column classes (the policy forbids inline
    /// `style` attributes, so score bars and compare grids use classes).
    static let css = baseCSS
        + (0...10).map { ".bar > i.w\($0) { width: \($0 * 10)%; }" }.joined(separator: "\n") + "\n"
        + (1...12).map { ".compare.cols-\($0) { grid-template-columns: 64px repeat(\($0), minmax(260px, 1fr)); }" }
        .joined(separator: "\n") + "\n"

    static let baseCSS = """
        :root { --fg: #1d2330; --muted: #5d6677; --line: #d9dee7; --bg: #f5f7fa; --card: #fff; --accent: #2457c5;
          --troll: #b3261e; --mod: #1b6e3a; --op: #6b4fbb; --warn: #8a5a00; --warnbg: #fff4d6; --bad: #b3261e; --badbg: #fde8e7; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
          color: var(--fg); background: var(--bg); }
        a { color: var(--accent); text-decoration: none; }
        a:hover { text-decoration: underline; }
        header.top { background: #1d2330; color: #fff; padding: 10px 24px; display: flex; gap: 18px; align-items: baseline; }
        header.top a { color: #fff; }
        header.top .brand { font-weight: 700; letter-spacing: .02em; }
        header.top nav { display: flex; gap: 14px; font-size: 14px; }
        header.top nav a { color: #c9d3e6; }
        main { max-width: 1180px; margin: 0 auto; padding: 18px 24px 48px; }
        main.wide { max-width: none; }
        h1 { font-size: 24px; margin: 6px 0 4px; }
        h2 { font-size: 18px; margin: 26px 0 8px; }
        .crumbs { font-size: 13px; color: var(--muted); }
        .muted { color: var(--muted); }
        .small { font-size: 13px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 12px 0; }
        table { border-collapse: collapse; width: 100%; background: var(--card); }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-size: 13px; color: var(--muted); font-weight: 600; background: #eef1f6; white-space: nowrap; }
        td.nowrap { white-space: nowrap; }
        a.id { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 13px; }
        tr.discussion.has-hit td { border-bottom: none; }
        tr.hit td { padding-top: 0; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; font-size: 14px; }
        dl.meta dt { color: var(--muted); }
        dl.meta dd { margin: 0; }
        .badge { display: inline-block; font-size: 12px; line-height: 18px; padding: 0 7px; border-radius: 9px;
          border: 1px solid var(--line); background: #eef1f6; color: var(--fg); white-space: nowrap; }
        .badge.troll { background: var(--badbg); color: var(--troll); border-color: #f0b8b4; }
        .badge.moderator { background: #e3f4e8; color: var(--mod); border-color: #a9d8b8; }
        .badge.op { background: #efe9fb; color: var(--op); border-color: #cfc2ef; }
        .badge.flag { background: var(--warnbg); color: var(--warn); border-color: #efd592; }
        .badge.status-done { background: #e3f4e8; color: var(--mod); border-color: #a9d8b8; }
        .badge.status-running { background: #e4ecfb; color: var(--accent); border-color: #b6c8ef; }
        .badge.status-failed, .badge.bad { background: var(--badbg); color: var(--bad); border-color: #f0b8b4; }
        .thread { display: flex; flex-direction: column; gap: 10px; margin-top: 10px; }
        .post { background: var(--card); border: 1px solid var(--line); border-left: 4px solid #9aa7bd; border-radius: 6px; padding: 10px 14px; }
        .post.op { border-left-color: var(--op); }
        .post.role-troll { border-left-color: var(--troll); }
        .post.role-moderator { border-left-color: var(--mod); background: #f7fcf8; }
        .post.abstention { background: transparent; border-style: dashed; color: var(--muted); padding: 6px 14px; }
        .post.failed { background: var(--badbg); border-left-color: var(--bad); }
        .post.new { outline: 2px solid #f2c94c; }
        .post-head { display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; font-size: 14px; }
        .post-head .idx { color: var(--muted); font-variant-numeric: tabular-nums; min-width: 2.2em; }
        .post-head .who { font-weight: 650; }
        .post-head .decision { color: var(--muted); font-size: 12px; margin-left: auto; }
        .text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0 4px; }
        details { margin: 4px 0; }
        details > summary { cursor: pointer; color: var(--accent); font-size: 13px; }
        details.persona { display: inline; }
        details.persona > summary { display: inline; color: var(--fg); font-weight: 650; font-size: 14px; list-style: none;
          cursor: help; border-bottom: 1px dotted #8d97a8; }
        details.persona > summary::-webkit-details-marker { display: none; }
        details.persona[open] > dl { display: grid; }
        details.persona > dl { background: #fbfcfe; border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f1f3f7; border-radius: 4px; padding: 6px 8px; font-size: 13px; margin: 4px 0; }
        .scores { display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 13px; margin-top: 4px; align-items: baseline; }
        .score b { font-variant-numeric: tabular-nums; }
        .score .spread { color: var(--muted); }
        .bar { display: inline-block; height: 7px; border-radius: 4px; background: #e3e7ee; width: 60px; vertical-align: middle; position: relative; overflow: hidden; }
        .bar > i { position: absolute; left: 0; top: 0; bottom: 0; background: #7d93c4; }
        .bar.worse > i { background: #d9776f; }
        table.annotations { font-size: 13px; margin: 4px 0; }
        table.annotations td, table.annotations th { padding: 3px 8px; }
        form.filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; background: var(--card);
          border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; margin: 10px 0; }
        form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
        form.filters label.check { flex-direction: row; align-items: center; gap: 6px; font-size: 13px; color: var(--fg); }
        form.filters input[type=search] { min-width: 200px; }
        input, select, button { font: inherit; font-size: 14px; padding: 4px 6px; border: 1px solid #b9c1cf; border-radius: 5px; background: #fff; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); padding: 4px 14px; cursor: pointer; }
        .pager { display: flex; gap: 12px; align-items: center; margin: 10px 0; font-size: 14px; }
        .snippet { font-size: 13px; color: var(--muted); margin-top: 2px; }
        mark { background: #fde68a; color: inherit; padding: 0 1px; }
        .note { background: var(--warnbg); border: 1px solid #efd592; border-radius: 6px; padding: 6px 10px; font-size: 13px; margin: 8px 0; }
        .live { font-size: 13px; color: var(--muted); }
        .live.on::before { content: "● "; color: #1b9e4b; }
        .compare { display: grid; gap: 8px; align-items: stretch; }
        .compare .colhead { position: sticky; top: 0; background: var(--bg); padding: 6px 0; z-index: 1; font-weight: 650; }
        .compare .rowlabel { font-size: 12px; color: var(--muted); text-align: right; padding-top: 10px; }
        .compare .cell { display: flex; flex-direction: column; gap: 6px; min-width: 0; }
        .compare .seed { grid-column: 2 / -1; }
        .empty { color: var(--muted); font-style: italic; font-size: 13px; padding: 8px; }
        footer { color: var(--muted); font-size: 12px; text-align: center; padding: 20px; }
        """

    /// `/assets/app.js`: live updates of a discussion page that is still being written, and auto-submitting filter
    /// menus. Everything it inserts was rendered and escaped by the server.
    static let js = """
        (function () {
          "use strict";
          document.querySelectorAll("form.filters select, form.filters input[type=checkbox]").forEach(function (el) {
            el.addEventListener("change", function () { el.form.submit(); });
          });
          var thread = document.querySelector(".thread[data-live-url]");
          if (!thread) { return; }
          var status = document.getElementById("live-status");
          var after = parseInt(thread.getAttribute("data-after") || "0", 10);
          var url = thread.getAttribute("data-live-url");
          var interval = parseInt(thread.getAttribute("data-interval") || "2000", 10);
          function poll() {
            fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "after=" + after, { headers: { "Accept": "application/json" } })
              .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
              .then(function (data) {
                data.turns.forEach(function (t) {
                  if (document.getElementById("t" + t.index)) { return; }
                  thread.insertAdjacentHTML("beforeend", t.html);
                  var added = document.getElementById("t" + t.index);
                  if (added) { added.classList.add("new"); }
                  after = Math.max(after, t.index);
                });
                if (status) {
                  status.textContent = "live: discussion " + data.status + "; run " + data.progress.done + " done, "
                    + data.progress.running + " running, " + data.progress.failed + " failed of " + data.progress.total
                    + " discussions; last turn " + after;
                }
                if (data.status === "running") { setTimeout(poll, interval); }
                else if (status) { status.classList.remove("on"); }
              })
              .catch(function () { setTimeout(poll, interval * 2); });
          }
          if (status) { status.classList.add("on"); }
          setTimeout(poll, interval);
        })();
        """
}
